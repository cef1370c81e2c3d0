//! Realistic test keys for every provider (made up, of the real shapes).
#![allow(dead_code)]

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const LOWERHEX: &[u8] = b"0123456789abcdef";
const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `n` characters of `alphabet`, deterministic for a seed.
pub fn chars(alphabet: &[u8], n: usize, seed: u64) -> String {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

/// A realistic key of `provider`'s main format.
pub fn key(provider: &str) -> String {
    key_seeded(provider, 1)
}

/// A realistic key of `provider`'s main format, varied by `seed`.
pub fn key_seeded(provider: &str, seed: u64) -> String {
    let s = seed;
    match provider {
        // sk-proj- + 156 chars containing T3BlbkFJ = 164.
        "openai" => format!(
            "sk-proj-{}T3BlbkFJ{}",
            chars(URLSAFE, 74, s),
            chars(URLSAFE, 74, s + 1)
        ),
        "anthropic" => format!("sk-ant-api03-{}AA", chars(URLSAFE, 93, s)),
        "gemini" => format!("AIza{}", chars(URLSAFE, 35, s)),
        "groq" => format!("gsk_{}", chars(ALNUM, 52, s)),
        "openrouter" => format!("sk-or-v1-{}", chars(LOWERHEX, 64, s)),
        "perplexity" => format!("pplx-{}", chars(ALNUM, 48, s)),
        "mistral" => chars(ALNUM, 32, s),
        "xai" => format!("xai-{}", chars(ALNUM, 80, s)),
        "deepseek" => format!("sk-{}", chars(LOWERHEX, 32, s)),
        "together" => format!("tgp_v1_{}", chars(URLSAFE, 43, s)),
        "fireworks" => format!("fw_{}", chars(ALNUM, 24, s)),
        "cohere" => chars(ALNUM, 40, s),
        "huggingface" => format!("hf_{}", chars(LETTERS, 34, s)),
        "bedrock" => format!("ABSK{}", chars(BASE64, 128, s)),
        "exa" => {
            let h = chars(LOWERHEX, 32, s);
            format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        }
        "copilotkit" => format!("ck_pub_{}", chars(LOWERHEX, 32, s)),
        "azureopenai" => chars(ALNUM, 84, s),
        "cerebras" => format!("csk-{}", chars(LOWER_ALNUM, 48, s)),
        "replicate" => format!("r8_{}", chars(URLSAFE, 37, s)),
        "elevenlabs" => format!("sk_{}", chars(LOWERHEX, 48, s)),
        "xaimanagement" => format!("xai-token-{}", chars(ALNUM, 80, s)),
        other => panic!("no test key for {other}"),
    }
}

/// Other real formats worth checking (provider, key): each is `ok`.
pub fn other_formats() -> Vec<(&'static str, String)> {
    let openai = |prefix: &str, half: usize, seed: u64| {
        format!(
            "{prefix}{}T3BlbkFJ{}",
            chars(URLSAFE, half, seed),
            chars(URLSAFE, half, seed + 100)
        )
    };
    vec![
        (
            "openai",
            format!("sk-{}T3BlbkFJ{}", chars(ALNUM, 20, 3), chars(ALNUM, 20, 4)),
        ), // legacy, 51
        ("openai", openai("sk-svcacct-", 74, 5)), // 167
        ("openai", openai("sk-admin-", 58, 6)),   // 133
        ("openai", openai("sk-proj-", 58, 7)),    // 132
        (
            "anthropic",
            format!("sk-ant-admin01-{}AA", chars(URLSAFE, 93, 8)),
        ), // 110
        ("gemini", format!("AQ.Ab8R{}", chars(URLSAFE, 46, 9))), // 53
        (
            "bedrock",
            format!(
                "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t{}",
                chars(BASE64, 600, 10)
            ),
        ),
        ("huggingface", format!("api_org_{}", chars(LETTERS, 34, 11))),
        ("azureopenai", chars(LOWERHEX, 32, 12)),
        ("elevenlabs", chars(LOWERHEX, 32, 13)),
    ]
}

/// Every built-in provider id.
pub fn provider_ids() -> Vec<&'static str> {
    byok_keyring::PROVIDERS.iter().map(|p| p.id).collect()
}

/// All 9-character windows of `secret`.
pub fn windows(secret: &str) -> Vec<String> {
    let c: Vec<char> = secret.chars().collect();
    c.windows(9).map(|w| w.iter().collect()).collect()
}

/// Panics if `haystack` contains any 9-character window of `secret`.
pub fn assert_no_window(haystack: &str, secret: &str, what: &str) {
    for w in windows(secret) {
        assert!(
            !haystack.contains(&w),
            "{what} contains a 9-character window of a secret: {w:?}"
        );
    }
}
