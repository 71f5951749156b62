use backpack_bake::{bake, unbake, BakeError, BakedFormat, ImageKind, Payload};
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    backpack_testkit::shared().map(|s| s.join("corpus"))
}

#[test]
fn every_corpus_image_unbakes_as_expected() {
    let Some(c) = corpus() else { return };
    let ok = |f: &str, kind, format, starts: &str| {
        let b = unbake(&std::fs::read(c.join(f)).unwrap()).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!((b.kind, b.format), (kind, format), "{f}");
        assert!(
            b.text.starts_with(starts),
            "{f}: {}",
            &b.text[..b.text.len().min(80)]
        );
    };
    ok(
        "1edtech-validator/ob30/simple-json.png",
        ImageKind::Png,
        BakedFormat::Ob3,
        "{",
    );
    ok(
        "1edtech-validator/ob30/simple-json.svg",
        ImageKind::Svg,
        BakedFormat::Ob3,
        "{",
    );
    ok(
        "1edtech-validator/ob30/simple-jwt.png",
        ImageKind::Png,
        BakedFormat::Ob3,
        "ey",
    );
    ok(
        "1edtech-validator/ob30/simple-jwt.svg",
        ImageKind::Svg,
        BakedFormat::Ob3,
        "ey",
    );
    ok(
        "1edtech-validator/ob20/simple-badge.png",
        ImageKind::Png,
        BakedFormat::Ob2,
        "{",
    );
    ok(
        "badgr-server/baked_image.png",
        ImageKind::Png,
        BakedFormat::Ob2,
        "{",
    );
    ok(
        "mozilla-openbadges-backpack/valid-baked.png",
        ImageKind::Png,
        BakedFormat::Ob2,
        "https://example.org/assertion",
    );
    ok(
        "mozilla-openbadges-bakery/baked.svg",
        ImageKind::Svg,
        BakedFormat::Ob2,
        "{",
    );
    ok(
        "mozilla-openbadges-bakery/bad-json.svg",
        ImageKind::Svg,
        BakedFormat::Ob2,
        "{verify",
    );
    ok(
        "concentricsky-openbadges-bakery/baked_example.svg",
        ImageKind::Svg,
        BakedFormat::Ob2,
        "{",
    );
    assert_eq!(
        unbake(&std::fs::read(c.join("badgr-server/bad_image.png")).unwrap()),
        Err(BakeError::NotAnImage)
    );
    assert_eq!(
        unbake(
            &std::fs::read(c.join("badgr-server/hacked-svg-with-embedded-script-tags.svg"))
                .unwrap()
        ),
        Err(BakeError::NoCredential)
    );
}

#[test]
fn corpus_images_rebake_with_one_credential_and_keep_the_rest() {
    let Some(c) = corpus() else { return };
    for f in [
        "1edtech-validator/ob30/simple-json.png",
        "1edtech-validator/ob30/simple-json.svg",
        "mozilla-openbadges-bakery/baked.svg",
        "badgr-server/baked_image.png",
    ] {
        let img = std::fs::read(c.join(f)).unwrap();
        let baked = bake(&img, Payload::Json("{\"new\":true}")).unwrap();
        let b = unbake(&baked).unwrap();
        assert_eq!(
            (b.format, b.text.as_str()),
            (BakedFormat::Ob3, "{\"new\":true}"),
            "{f}"
        );
        let again = bake(&baked, Payload::Json("{\"new\":2}")).unwrap();
        assert_eq!(unbake(&again).unwrap().text, "{\"new\":2}");
        // The size changes only by the payload difference: nothing duplicated.
        assert_eq!(again.len() + 3, baked.len(), "{f}");
    }
}

#[test]
fn a_100_mb_input_is_refused_quickly() {
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(100 * 1024 * 1024, 0);
    assert!(matches!(unbake(&big), Err(BakeError::TooLarge { .. })));
}
