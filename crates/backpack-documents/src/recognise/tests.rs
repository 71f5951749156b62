use super::*;

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

#[test]
fn platform_codes_labels_and_parse() {
    for p in Platform::ALL {
        assert_eq!(Platform::parse(p.code()), Some(p));
        assert_eq!(
            Platform::parse(&format!("  {}  ", p.code().to_uppercase())),
            Some(p)
        );
    }
    assert_eq!(Platform::Edx.label(), "edX");
    assert_eq!(Platform::CanvasNetwork.code(), "canvas_network");
    assert_eq!(Platform::CognitiveClass.label(), "Cognitive Class");
    assert_eq!(Platform::parse("udemy"), None);
    assert_eq!(Platform::parse(""), None);
}

#[test]
fn coursera_course_certificate() {
    let text = "Jan 5, 2024\n\
                Jane Q. Learner\n\
                has successfully completed\n\
                Machine Learning\n\
                an online non-credit course authorized by Stanford University and offered through Coursera\n\
                Andrew Ng\n\
                Founder, DeepLearning.AI\n\
                Verify at coursera.org/verify/ABCD1234EFGH\n\
                Coursera has confirmed the identity of this individual and their participation in the course.";
    assert_eq!(
        recognise(text),
        Prefill {
            platform: Some(Platform::Coursera),
            title: s("Machine Learning"),
            learner_name: s("Jane Q. Learner"),
            date: s("2024-01-05"),
            verification_url: s("https://coursera.org/verify/ABCD1234EFGH"),
            credential_id: s("ABCD1234EFGH"),
        }
    );
}

#[test]
fn coursera_specialization_with_a_wrapped_title() {
    let text = "COURSERA SPECIALIZATION CERTIFICATE\n\
                March 14, 2023\n\
                María José Núñez\n\
                has successfully completed the online, non-credit Specialization\n\
                Applied Data Science with\n\
                Python\n\
                Verify this certificate at:\n\
                https://www.coursera.org/verify/specialization/Q8XZ2K7LMN3P";
    let p = recognise(text);
    assert_eq!(p.platform, Some(Platform::Coursera));
    assert_eq!(p.title.as_deref(), Some("Applied Data Science with Python"));
    assert_eq!(p.learner_name.as_deref(), Some("María José Núñez"));
    assert_eq!(p.date.as_deref(), Some("2023-03-14"));
    assert_eq!(
        p.verification_url.as_deref(),
        Some("https://www.coursera.org/verify/specialization/Q8XZ2K7LMN3P")
    );
    assert_eq!(p.credential_id.as_deref(), Some("Q8XZ2K7LMN3P"));
}

#[test]
fn edx_verified_certificate() {
    let text = "VERIFIED CERTIFICATE of Achievement\n\
                This is to certify that\n\
                John Smith\n\
                successfully completed and received a passing grade in\n\
                CS50x: Introduction to Computer Science\n\
                a course of study offered by HarvardX, an online learning initiative of Harvard University.\n\
                David J. Malan\n\
                Issued September 5, 2023\n\
                Valid Certificate ID\n\
                0a1b2c3d4e5f67890a1b2c3d4e5f6789\n\
                https://courses.edx.org/certificates/0a1b2c3d4e5f67890a1b2c3d4e5f6789";
    assert_eq!(
        recognise(text),
        Prefill {
            platform: Some(Platform::Edx),
            title: s("CS50x: Introduction to Computer Science"),
            learner_name: s("John Smith"),
            date: s("2023-09-05"),
            verification_url: s(
                "https://courses.edx.org/certificates/0a1b2c3d4e5f67890a1b2c3d4e5f6789"
            ),
            credential_id: s("0a1b2c3d4e5f67890a1b2c3d4e5f6789"),
        }
    );
}

#[test]
fn edx_on_one_line_with_a_url_broken_after_a_slash() {
    let text = "This is to certify that Ada Lovelace successfully completed and received a passing grade in \
                PH125.1x: Data Science: R Basics a course of study offered by HarvardX\n\
                Issued 2022-11-30\n\
                Verify the authenticity of this certificate at https://credentials.edx.org/credentials/\n\
                8c3e6a1f9b2d4e7a";
    let p = recognise(text);
    assert_eq!(p.platform, Some(Platform::Edx));
    assert_eq!(p.learner_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(p.title.as_deref(), Some("PH125.1x: Data Science: R Basics"));
    assert_eq!(p.date.as_deref(), Some("2022-11-30"));
    assert_eq!(
        p.verification_url.as_deref(),
        Some("https://credentials.edx.org/credentials/8c3e6a1f9b2d4e7a")
    );
    assert_eq!(p.credential_id.as_deref(), Some("8c3e6a1f9b2d4e7a"));
}

#[test]
fn canvas_network_certificate() {
    let text = "Certificate of Completion\n\
                Awarded to\n\
                Chen Wei\n\
                has successfully completed\n\
                Introduction to Openness in Education\n\
                7 June 2016\n\
                Canvas Network\n\
                www.canvas.net";
    let p = recognise(text);
    assert_eq!(p.platform, Some(Platform::CanvasNetwork));
    assert_eq!(p.learner_name.as_deref(), Some("Chen Wei"));
    assert_eq!(
        p.title.as_deref(),
        Some("Introduction to Openness in Education")
    );
    assert_eq!(p.date.as_deref(), Some("2016-06-07"));
    // www.canvas.net has no path: a home page, not a verification link.
    assert_eq!(p.verification_url, None);
    assert_eq!(p.credential_id, None);
}

#[test]
fn canvas_network_inline() {
    let text = "CERTIFICATE OF COMPLETION\nSam Taylor has successfully completed Gamification in Education, \
                a course offered on canvas.net\nDecember 12, 2015";
    let p = recognise(text);
    assert_eq!(p.platform, Some(Platform::CanvasNetwork));
    assert_eq!(p.learner_name.as_deref(), Some("Sam Taylor"));
    assert_eq!(p.title.as_deref(), Some("Gamification in Education"));
    assert_eq!(p.date.as_deref(), Some("2015-12-12"));
}

#[test]
fn cognitive_class_certificate() {
    let text = "Cognitive Class\n\
                CERTIFICATE OF COMPLETION\n\
                Presented to\n\
                Priya Raman\n\
                for successfully completing a free online course\n\
                Python for Data Science\n\
                Provided by IBM Developer Skills Network\n\
                Completed on 3 April 2021\n\
                Verify: courses.cognitiveclass.ai/certificates/7f3a9c2e41b94d0e8a6b5c1d2e3f4a5b";
    assert_eq!(
        recognise(text),
        Prefill {
            platform: Some(Platform::CognitiveClass),
            title: s("Python for Data Science"),
            learner_name: s("Priya Raman"),
            date: s("2021-04-03"),
            verification_url: s(
                "https://courses.cognitiveclass.ai/certificates/7f3a9c2e41b94d0e8a6b5c1d2e3f4a5b"
            ),
            credential_id: s("7f3a9c2e41b94d0e8a6b5c1d2e3f4a5b"),
        }
    );
}

#[test]
fn french_certificate() {
    let text = "Attestation de réussite\n\
                Nous certifions que\n\
                Élodie Tremblay\n\
                a complété avec succès\n\
                Introduction à la programmation\n\
                le 1er mars 2024\n\
                Identifiant du certificat : XK42-9981";
    let p = recognise(text);
    assert_eq!(p.platform, None);
    assert_eq!(p.learner_name.as_deref(), Some("Élodie Tremblay"));
    assert_eq!(p.title.as_deref(), Some("Introduction à la programmation"));
    assert_eq!(p.date.as_deref(), Some("2024-03-01"));
    assert_eq!(p.credential_id.as_deref(), Some("XK42-9981"));
}

#[test]
fn labels_win_over_the_url_and_the_first_date() {
    let text = "Certificate\nPrinted 2024-06-01\nAlex Doe\nhas completed\nRust Basics\nDate of issue: 12 May 2024\n\
                Credential ID: RB-2024-0042\nhttps://example.org/verify/zzz999";
    let p = recognise(text);
    assert_eq!(p.date.as_deref(), Some("2024-05-12"));
    assert_eq!(p.credential_id.as_deref(), Some("RB-2024-0042"));
    assert_eq!(
        p.verification_url.as_deref(),
        Some("https://example.org/verify/zzz999")
    );
    assert_eq!(p.platform, None);
    assert_eq!(p.title.as_deref(), Some("Rust Basics"));
}

#[test]
fn expiry_dates_are_not_the_issue_date() {
    let text = "Certificate of Achievement\nValid until January 1, 2030\nEarned 2024-02-03";
    assert_eq!(recognise(text).date.as_deref(), Some("2024-02-03"));
}

#[test]
fn unknown_text_gives_nothing() {
    for text in [
        "",
        "   \n\n  ",
        "The quick brown fox jumps over the lazy dog.",
        "Meeting notes, Jan 5, 2024: see https://example.com/agenda",
        "Invoice 2024-01-05 total 42.00 EUR",
        "\u{0}\u{1}\u{2}\u{7f}",
    ] {
        let p = recognise(text);
        assert!(p.is_empty(), "{text:?} gave {p:?}");
        assert_eq!(p.platform, None);
    }
}

#[test]
fn never_other() {
    let p = recognise("Certificate of completion from Udemy, has successfully completed Rust");
    assert_ne!(p.platform, Some(Platform::Other));
    assert_eq!(p.platform, None);
}

#[test]
fn edx_is_a_word_not_a_substring() {
    assert_eq!(platform_from_text("certificate from medxpress"), None);
    assert_eq!(
        platform_from_text("offered through edx."),
        Some(Platform::Edx)
    );
    // The earliest mention wins.
    assert_eq!(
        platform_from_text("cognitive class course, also on coursera"),
        Some(Platform::CognitiveClass)
    );
}

#[test]
fn strings_are_bounded_and_clean() {
    let long_title = "Word ".repeat(100);
    let text = format!("Certificate\nKim Lee\nhas successfully completed\n{long_title}\n");
    let p = recognise(&text);
    let title = p.title.unwrap_or_default();
    assert!(title.chars().count() <= MAX_TITLE_CHARS, "{}", title.len());
    assert!(title.starts_with("Word Word"));
    assert!(!title.ends_with(' '));

    let text = "Certificate\nKim\u{0}\u{200b} Lee\u{7}\nhas successfully completed\n\t Rust\u{1b} in   Action \n";
    let p = recognise(text);
    assert_eq!(p.learner_name.as_deref(), Some("Kim Lee"));
    assert_eq!(p.title.as_deref(), Some("Rust in Action"));

    let long_name = "A".repeat(150);
    let text =
        format!("This is to certify that\n{long_name}\nhas successfully completed\nX Course Title");
    assert_eq!(recognise(&text).learner_name, None);

    let long_url = format!("https://coursera.org/verify/{}", "A1".repeat(300));
    assert_eq!(recognise(&long_url).verification_url, None);

    // Huge input: bounded, no panic.
    let huge = "has successfully completed\n".repeat(100_000);
    let _ = recognise(&huge);
}

#[test]
fn names_reject_non_names() {
    assert_eq!(plausible_name("Jane Doe").as_deref(), Some("Jane Doe"));
    assert_eq!(
        plausible_name("O'Brien, Seán.").as_deref(),
        Some("O'Brien, Seán")
    );
    assert_eq!(plausible_name("Jan 5, 2024"), None);
    assert_eq!(plausible_name("Certificate of Completion"), None);
    assert_eq!(plausible_name("jane@example.com"), None);
    assert_eq!(plausible_name("X"), None);
    assert_eq!(
        plausible_name("one two three four five six seven eight nine"),
        None
    );
}

#[test]
fn urls_are_normalised() {
    assert_eq!(
        normalise_url("HTTPS://Courses.EDX.org/certificates/AbC1").as_deref(),
        Some("https://courses.edx.org/certificates/AbC1")
    );
    assert_eq!(
        normalise_url("coursera.org/verify/XYZ123").as_deref(),
        Some("https://coursera.org/verify/XYZ123")
    );
    assert_eq!(normalise_url("http://x"), None);
    assert!(looks_like_url("coursera.org/verify/XYZ"));
    assert!(!looks_like_url("05/01/2024"));
    assert!(!looks_like_url("and/or"));
    assert!(!looks_like_url("v1.2/3"));
    assert_eq!(
        find_url(&["See (https://coursera.org/verify/ABC123).".to_owned()]).as_deref(),
        Some("https://coursera.org/verify/ABC123")
    );
    // A URL that is not a certificate link is not taken.
    assert_eq!(find_url(&["https://example.com/about".to_owned()]), None);
    assert_eq!(
        id_from_url("https://coursera.org/verify/ABC123/").as_deref(),
        Some("ABC123")
    );
    assert_eq!(id_from_url("https://example.org/certificates/view"), None);
    assert_eq!(id_from_url("https://example.org"), None);
}

#[test]
fn byte_index_survives_case_folding_that_changes_lengths() {
    // "İ" (2 bytes) lower-cases to "i̇" (3 bytes).
    let original = "İstanbul has successfully completed Rust";
    let lower = original.to_lowercase();
    let at = lower.find("has successfully").unwrap_or_default();
    assert_eq!(
        &original[byte_index(original, at)..],
        "has successfully completed Rust"
    );
    let p = recognise(original);
    assert_eq!(p.title.as_deref(), Some("Rust"));
}

#[test]
fn arbitrary_text_never_panics() {
    // Pieces that steer into every branch, glued at random, including
    // characters whose lower case is longer than themselves.
    const PIECES: &[&str] = &[
        "has successfully completed",
        "This is to certify that",
        "Certificate ID",
        "https://",
        "coursera.org/verify/",
        "/",
        "İ",
        "ẞ",
        "Σ",
        "\u{fb01}",
        "é",
        "😀",
        "\n",
        " ",
        ":",
        "Jan",
        "5,",
        "2024",
        "31/12/2024",
        "edX",
        "\u{0}",
        "a course offered by",
        "and",
        "www.",
        ".",
        "Z9",
    ];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3_000 {
        let mut text = String::new();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = (x % 40) as usize;
        for _ in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text.push_str(PIECES[(x % PIECES.len() as u64) as usize]);
        }
        let p = recognise(&text);
        for s in [
            &p.title,
            &p.learner_name,
            &p.date,
            &p.verification_url,
            &p.credential_id,
        ]
        .into_iter()
        .flatten()
        {
            assert_eq!(s.trim(), s);
            assert!(!s.chars().any(char::is_control), "{s:?}");
        }
    }
}
