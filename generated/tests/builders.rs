//! Builders set properties by name and hand out only values the schema allows: a missing
//! required property or a broken constraint is a violation, all of them reported together.

use cocore_lexicons::dev::cocore::compute::defs::{Money, TrustLevel};
use cocore_lexicons::dev::cocore::compute::job::Job;
use lexicon_atproto::com::atproto::repo::strong_ref::StrongRef;
use lexicon_runtime::{AtUri, Cid, Datetime, Did, ValidationErrors, Violation};

fn payment() -> StrongRef {
    StrongRef::builder()
        .uri(
            "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3l4m5n6o7p2qa"
                .parse::<AtUri>()
                .unwrap(),
        )
        .cid(
            "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"
                .parse::<Cid>()
                .unwrap(),
        )
        .build()
        .expect("a valid strongRef")
}

#[test]
fn a_job_built_in_rust_is_valid_and_round_trips() -> Result<(), ValidationErrors> {
    let now = Datetime::now();
    let job = Job::builder()
        .model("llama-3.1-8b-instruct")
        .input_commitment("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        .max_tokens_out(1024)
        .price_ceiling(Money::builder().amount(250).currency("USD").build()?)
        .accepted_trust_level(TrustLevel::HardwareAttested)
        .accepted_providers(vec!["did:plc:ewvi7nxzyoun6zhxrhs64oiz"
            .parse::<Did>()
            .unwrap()])
        .payment_authorization(payment())
        .nonce("0123456789abcdef0123456789abcdef")
        .expires_at(now.clone())
        .created_at(now)
        .build()?;
    let json = job.to_json();
    assert!(
        json.starts_with(r#"{"$type":"dev.cocore.compute.job","#),
        "{json}"
    );
    assert_eq!(Job::from_json(&json).unwrap(), job);
    assert!(
        job.input_cipher_url.is_none(),
        "optional properties left unset stay absent"
    );
    Ok(())
}

#[test]
fn missing_required_properties_are_violations_at_their_paths() {
    let errors = Job::builder().model("m").build().unwrap_err();
    assert_eq!(
        errors.paths(),
        [
            "$.inputCommitment",
            "$.maxTokensOut",
            "$.priceCeiling",
            "$.acceptedTrustLevel",
            "$.paymentAuthorization",
            "$.nonce",
            "$.expiresAt",
            "$.createdAt"
        ]
    );
    assert!(errors
        .iter()
        .all(|e| e.violation == Violation::MissingProperty));
}

#[test]
fn a_builder_refuses_what_the_schema_forbids_and_says_everything() {
    let now = Datetime::now();
    let errors = Job::builder()
        .model("x".repeat(300))
        .input_commitment("short")
        .max_tokens_out(0)
        .price_ceiling({
            // An invalid `Money` can still be made: parsed without checks, then put in.
            let raw: lexicon_runtime::Unchecked<Money> =
                serde_json::from_str(r#"{"amount": -1, "currency": "US"}"#).unwrap();
            raw.into_unchecked()
        })
        .accepted_trust_level(TrustLevel::Other("self-attested".into()))
        .payment_authorization(payment())
        .nonce("0123456789abcdef0123456789abcdef")
        .expires_at(now.clone())
        .created_at(now)
        .build()
        .unwrap_err();
    assert_eq!(
        errors.paths(),
        [
            "$.model",
            "$.inputCommitment",
            "$.maxTokensOut",
            "$.priceCeiling.amount",
            "$.priceCeiling.currency"
        ]
    );
    // A nested builder checks its own value first.
    let money = Money::builder()
        .amount(-1)
        .currency("US")
        .build()
        .unwrap_err();
    assert_eq!(money.paths(), ["$.amount", "$.currency"]);
}

#[test]
fn an_optional_property_can_be_set_from_an_option() -> Result<(), ValidationErrors> {
    let now = Datetime::now();
    let cipher: Option<lexicon_runtime::Uri> = "https://blobs.cocore.dev/in/1".parse().ok();
    let base = || {
        Job::builder()
            .model("llama-3.1-8b-instruct")
            .input_commitment("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
            .max_tokens_out(1024)
            .price_ceiling(
                Money::builder()
                    .amount(250)
                    .currency("USD")
                    .build()
                    .unwrap(),
            )
            .accepted_trust_level(TrustLevel::HardwareAttested)
            .payment_authorization(payment())
            .nonce("0123456789abcdef0123456789abcdef")
            .expires_at(now.clone())
            .created_at(now.clone())
    };
    let with = base().maybe_input_cipher_url(cipher.clone()).build()?;
    assert_eq!(with.input_cipher_url, cipher);
    // `None` leaves it out, even after a value was set.
    let without = base()
        .input_cipher_url(cipher.clone().unwrap())
        .maybe_input_cipher_url(None::<lexicon_runtime::Uri>)
        .build()?;
    assert_eq!(without.input_cipher_url, None);
    assert!(!without.to_json().contains("inputCipherURL"));
    Ok(())
}
