//! The credit decision: does the next call run on the user's own key, and
//! should the platform charge for it? Pure functions of the keyring's state,
//! plus per-provider usage counters for analytics.

use litemap::LiteMap;
use serde::Serialize;

/// Who pays for a call to a provider (`kr.source(provider)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A stored, enabled, unexpired user key exists (it may still be locked).
    User,
    /// No usable user key, but the platform serves this provider.
    Platform,
    /// Neither: the call cannot be made.
    None,
}

impl Source {
    /// The string form used in JavaScript.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::User => "user",
            Source::Platform => "platform",
            Source::None => "none",
        }
    }
}

/// The platform's side of the decision, from the keyring options.
#[derive(Clone, Debug, Default)]
pub struct CreditPolicy {
    /// Features the platform always pays for (and charges credits for).
    pub platform_only: Vec<String>,
    /// Providers the platform can serve with its own keys.
    pub platform_providers: Vec<String>,
}

impl CreditPolicy {
    /// Whether `feature` is one the platform always pays for.
    pub fn is_platform_only(&self, feature: Option<&str>) -> bool {
        feature.is_some_and(|f| self.platform_only.iter().any(|p| p == f))
    }

    /// `!is_byok || platformOnly has feature`.
    pub fn should_deduct(&self, is_byok: bool, feature: Option<&str>) -> bool {
        !is_byok || self.is_platform_only(feature)
    }

    /// User key first, then the platform's providers.
    pub fn source(&self, has_user_key: bool, provider: &str) -> Source {
        if has_user_key {
            Source::User
        } else if self.platform_providers.iter().any(|p| p == provider) {
            Source::Platform
        } else {
            Source::None
        }
    }
}

/// Calls counted for one provider by `recordUsage`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Calls that ran on the user's own key.
    pub byok: u64,
    /// Calls the platform paid for.
    pub platform: u64,
}

/// Usage counters per provider id, kept in memory for the page's life.
pub type UsageTable = LiteMap<&'static str, Usage>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_table() {
        let policy = CreditPolicy {
            platform_only: vec!["deep-analysis".into()],
            platform_providers: vec!["openai".into()],
        };
        // (is_byok, feature) -> deduct
        let table = [
            (false, None, true),
            (false, Some("chat"), true),
            (false, Some("deep-analysis"), true),
            (true, None, false),
            (true, Some("chat"), false),
            (true, Some("deep-analysis"), true),
        ];
        for (byok, feature, deduct) in table {
            assert_eq!(
                policy.should_deduct(byok, feature),
                deduct,
                "{byok} {feature:?}"
            );
        }
        assert_eq!(policy.source(true, "groq"), Source::User);
        assert_eq!(policy.source(false, "openai"), Source::Platform);
        assert_eq!(policy.source(false, "groq"), Source::None);
    }

    /// Features that are not exactly a configured one: prefixes (down to the
    /// empty string), extensions, case and whitespace variants, pieces.
    const NEAR_MISSES: [&str; 16] = [
        "",
        "d",
        "deep",
        "deep-",
        "deep-analysi",
        "deep-analysis-v2",
        "deep-analysiss",
        "deep-analysis ",
        " deep-analysis",
        "Deep-Analysis",
        "DEEP-ANALYSIS",
        "deep_analysis",
        "analysis",
        "-analysis",
        "fix",
        "fix-code-review",
    ];

    #[test]
    fn platform_only_matches_a_feature_exactly() {
        let policy = CreditPolicy {
            platform_only: vec!["deep-analysis".into(), "fix-code".into()],
            platform_providers: vec![],
        };
        for f in ["deep-analysis", "fix-code"] {
            assert!(policy.is_platform_only(Some(f)), "{f:?}");
            assert!(policy.should_deduct(true, Some(f)), "{f:?}");
        }
        for f in NEAR_MISSES {
            assert!(!policy.is_platform_only(Some(f)), "{f:?} is not configured");
            assert!(
                !policy.should_deduct(true, Some(f)),
                "{f:?} charged on a user key"
            );
            assert!(
                policy.should_deduct(false, Some(f)),
                "{f:?} free without a user key"
            );
        }
        assert!(!policy.is_platform_only(None));
        assert!(!policy.should_deduct(true, None));
        // A configured feature never makes its own prefixes or extensions
        // platform-only, whatever the order of the list.
        let reversed = CreditPolicy {
            platform_only: vec!["fix-code".into(), "deep-analysis".into(), "deep".into()],
            platform_providers: vec![],
        };
        assert!(reversed.is_platform_only(Some("deep")));
        assert!(!reversed.is_platform_only(Some("dee")));
        assert!(!reversed.is_platform_only(Some("deep-")));
        assert!(!reversed.is_platform_only(Some("")));
    }

    #[test]
    fn no_platform_only_feature_charges_nothing_on_a_user_key() {
        let none = CreditPolicy::default();
        for f in NEAR_MISSES.iter().chain(&["deep-analysis", "fix-code"]) {
            assert!(!none.is_platform_only(Some(f)), "{f:?}");
            assert!(!none.should_deduct(true, Some(f)), "{f:?}");
        }
    }

    #[test]
    fn an_empty_configured_feature_matches_only_the_empty_feature() {
        let policy = CreditPolicy {
            platform_only: vec![String::new()],
            platform_providers: vec![],
        };
        assert!(policy.is_platform_only(Some("")));
        assert!(
            !policy.is_platform_only(None),
            "no feature is not the empty feature"
        );
        for f in NEAR_MISSES.iter().skip(1).chain(&["deep-analysis"]) {
            assert!(!policy.is_platform_only(Some(f)), "{f:?}");
        }
    }
}
