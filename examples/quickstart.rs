//! The core of byok-keyring in plain Rust, without a browser: a vault in
//! memory, a key validated, masked and stored, and the credit decision.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! The npm package runs this same core behind its JavaScript API; there the
//! key derivation usually runs on WebCrypto and the vault lives in
//! sessionStorage or localStorage.

use byok_keyring::{
    flows, mask, system_clock, validate, Keyring, MemoryStorage, Options, RustKdf, SetOptions,
};
use std::cell::RefCell;

fn main() -> Result<(), byok_keyring::Error> {
    // A keyring for one signed-in user, whose "deep-analysis" feature the
    // platform always pays for. 100,000 PBKDF2 iterations (the lowest
    // accepted) keep the example quick; the default is 600,000.
    let mut opts = Options {
        namespace: "user-42".to_string(),
        iterations: 100_000,
        ..Options::default()
    };
    opts.policy.platform_only = vec!["deep-analysis".to_string()];
    let kr = RefCell::new(Keyring::new(
        opts,
        Box::new(MemoryStorage::new()),
        system_clock(),
    )?);
    println!("state before create: {}", kr.borrow().state().as_str());
    pollster::block_on(flows::create(
        &kr,
        &RustKdf,
        &"correct horse battery".into(),
    ))?;
    println!("state after create: {}", kr.borrow().state().as_str());

    // A pasted OpenAI key (made up, of the real shape), with the trailing
    // newline a paste often carries.
    let pasted = format!(
        "sk-proj-{}T3BlbkFJ{}\n",
        "a1B2".repeat(18),
        "c3D4".repeat(18)
    );

    let wrong = validate("anthropic", &pasted);
    println!(
        "validate(\"anthropic\", key): valid={} code={} message={:?}",
        wrong.valid,
        wrong.code.as_str(),
        wrong.message
    );
    let v = validate("openai", &pasted);
    println!(
        "validate(\"openai\", key): valid={} code={} message={:?}",
        v.valid,
        v.code.as_str(),
        v.message
    );
    println!("mask(key): {}", mask(&pasted));

    let info = kr
        .borrow_mut()
        .set("openai", &pasted, SetOptions::default())?;
    println!("set(\"openai\", key): stored as {}", info.masked);

    let k = kr.borrow();
    println!("is_byok(\"openai\"): {}", k.is_byok("openai"));
    println!("is_byok(\"anthropic\"): {}", k.is_byok("anthropic"));
    println!(
        "should_deduct_credits(\"openai\", None): {}",
        k.should_deduct_credits("openai", None)
    );
    println!(
        "should_deduct_credits(\"openai\", Some(\"deep-analysis\")): {}",
        k.should_deduct_credits("openai", Some("deep-analysis"))
    );
    println!(
        "should_deduct_credits(\"anthropic\", None): {}",
        k.should_deduct_credits("anthropic", None)
    );
    drop(k);

    kr.borrow_mut().lock();
    println!(
        "after lock: is_byok(\"openai\") = {}, should_deduct_credits(\"openai\", None) = {}",
        kr.borrow().is_byok("openai"),
        kr.borrow().should_deduct_credits("openai", None)
    );
    Ok(())
}
