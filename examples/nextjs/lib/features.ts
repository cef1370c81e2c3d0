/** Features the platform always pays for, even when the user brings a key. */
export const PLATFORM_ONLY = ["deep-analysis"];
