//! The wasm-bindgen layer (filled in next).
