//! Demo content for `backpack serve --demo`: the demo learner gets something
//! in every area of the e-Backpack, made through the same use cases a
//! learner's browser calls (uploads are read, badges signed and verified).

use backpack_credentials::proof::SignSuite;
use backpack_credentials::sign::{IssuerKey, Secured, SignFormat};
use backpack_crypto::ed25519::SigningKey;
use backpack_documents::samples;
use backpack_domain::backpack::CollectionInput;
use backpack_domain::certificates::CertificateInput;
use backpack_domain::entities::{Area, ItemRef, User};
use backpack_domain::notes::NoteInput;
use backpack_domain::portfolio::{EntryInput, ProfileInput, Section};
use bytes::Bytes;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::app::App;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A signed Open Badges 3.0 credential naming `email` (hashed, salted).
fn credential(
    issuer: &IssuerKey,
    issuer_name: &str,
    email: &str,
    name: &str,
    description: &str,
    skills: &[(&str, &str, &str)],
    now: OffsetDateTime,
) -> Result<String, String> {
    use base64::Engine;
    let salt = "demo-salt";
    let hash: String = Sha256::digest(format!("{email}{salt}"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let image = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD
            .encode(backpack_domain::badges::DEFAULT_BADGE_PNG)
    );
    let doc = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {"id": issuer.did, "type": ["Profile"], "name": issuer_name},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": format!("sha256${hash}"),
                "identityType": "emailAddress",
                "hashed": true,
                "salt": salt
            }],
            "achievement": {
                "id": format!("https://demo.backpack.test/achievements/{}", uuid::Uuid::new_v4()),
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": name,
                "description": description,
                "criteria": {"narrative": "Complete every module and pass the **final assessment** (80 % or more)."},
                "image": {"id": image, "type": "Image"},
                "tag": skills.iter().map(|(n, _, _)| n.to_lowercase()).collect::<Vec<_>>(),
                "alignment": skills.iter().map(|(n, fw, code)| json!({
                    "type": ["Alignment"], "targetName": n, "targetFramework": fw, "targetCode": code,
                    "targetUrl": format!("https://esco.example.org/{code}")
                })).collect::<Vec<_>>()
            }
        },
        "evidence": [{
            "id": "https://demo.backpack.test/evidence/final-project",
            "type": ["Evidence"],
            "name": "Final project",
            "narrative": "A data pipeline with tests, reviewed by two tutors."
        }]
    });
    match backpack_credentials::sign::sign(
        backpack_jsonld::Processor::shared(),
        &doc,
        issuer,
        SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022),
        now,
    )
    .map_err(err)?
    {
        Secured::Json(v) => serde_json::to_string_pretty(&v).map_err(err),
        Secured::Jwt(t) => Ok(t),
    }
}

/// Fill the demo learner's e-Backpack.
pub async fn fill_learner(
    app: &App,
    user: &User,
    email: &str,
    now: OffsetDateTime,
) -> Result<(), String> {
    // Area 1: external certificates, recognised from their text.
    let coursera = samples::pdf(&[samples::text_page(&[
        (12.0, "Jan 5, 2024"),
        (24.0, "Lea Learner"),
        (12.0, "has successfully completed"),
        (20.0, "Machine Learning"),
        (10.0, "an online non-credit course authorized by Stanford University and offered through Coursera"),
        (10.0, "Verify at coursera.org/verify/DEMO1234ABCD"),
    ])]);
    let ml = app
        .certificates
        .upload(
            user,
            "coursera-machine-learning.pdf",
            Bytes::from(coursera),
            CertificateInput {
                tags: "machine learning, python".into(),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    let edx = samples::pdf(&[samples::text_page(&samples::EDX_LINES)]);
    app.certificates
        .upload(
            user,
            "edx-cs50.pdf",
            Bytes::from(edx),
            CertificateInput {
                tags: "programming".into(),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;

    // Area 2: an imported badge (area 3 is filled by the demo issuer,
    // `fill_issuer`).
    let academy = IssuerKey::did_key(SigningKey::generate());
    let badge = credential(
        &academy,
        "Open Data Academy",
        email,
        "Data Analysis with Python",
        "Cleans, explores and visualises data sets with pandas.",
        &[
            ("Data analysis", "ESCO", "S5.5.1"),
            ("Python", "ESCO", "S1.3.2"),
        ],
        now,
    )?;
    let imported = app
        .badges
        .import(user, "data-analysis.json", Bytes::from(badge))
        .await
        .map_err(err)?;
    let badge_id = match imported {
        backpack_domain::badges::Imported::New(b)
        | backpack_domain::badges::Imported::Existing(b) => b.id,
    };

    // Area 5: notes, one about the certificate, with a file.
    let note = app
        .notes
        .create(
            user,
            NoteInput {
                title: "What I learned in Machine Learning",
                body: "## Key ideas\n\n- Gradient descent\n- Regularisation\n\nNext: a **Kaggle** competition.",
                tags: "machine learning, study",
            },
        )
        .await
        .map_err(err)?;
    app.notes
        .attach(
            user,
            note.id,
            "reading-list.txt",
            Bytes::from_static(b"Pattern Recognition and Machine Learning\nDeep Learning\n"),
        )
        .await
        .map_err(err)?;
    let ml_ref = ItemRef {
        area: Area::Certificate,
        id: ml.id,
    };
    let badge_ref = ItemRef {
        area: Area::Badge,
        id: badge_id,
    };
    app.notes
        .set_links(user, note.id, &[ml_ref])
        .await
        .map_err(err)?;
    app.notes
        .create(
            user,
            NoteInput {
                title: "Job search",
                body: "Apply to data analyst roles; bring the **Data Analysis** badge.",
                tags: "career",
            },
        )
        .await
        .map_err(err)?;

    // A collection for a job application.
    let job = app
        .backpack
        .create_collection(
            user,
            CollectionInput {
                name: "Data analyst application",
                description: "What I send with applications for data roles.",
            },
        )
        .await
        .map_err(err)?;
    for item in [ml_ref, badge_ref] {
        app.backpack
            .add_to_collection(user, job.id, item)
            .await
            .map_err(err)?;
    }

    // Area 4: the portfolio, citing the credentials.
    app.portfolios
        .save_profile(
            user,
            &ProfileInput {
                headline: "Junior data analyst".into(),
                summary: "Curious analyst who learns online and ships small data projects.".into(),
                email: email.into(),
                location: "Brussels".into(),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    let evidence = vec![
        format!("certificate:{}", ml.id),
        format!("badge:{badge_id}"),
    ];
    app.portfolios
        .save_entry(
            user,
            Section::Experience,
            None,
            &EntryInput {
                title: "Data intern".into(),
                organisation: "City Statistics Office".into(),
                from: "2024-02".into(),
                to: "2024-08".into(),
                description: "Automated monthly reports in Python.".into(),
                evidence: evidence.clone(),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    app.portfolios
        .save_entry(
            user,
            Section::Education,
            None,
            &EntryInput {
                title: "Bachelor in Economics".into(),
                organisation: "Université libre de Bruxelles".into(),
                from: "2020-09".into(),
                to: "2023-06".into(),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    for (name, mother, levels) in [
        ("French", true, vec![]),
        ("English", false, vec!["C1", "C1", "B2", "B2", "B2"]),
    ] {
        app.portfolios
            .save_entry(
                user,
                Section::Languages,
                None,
                &EntryInput {
                    title: name.into(),
                    mother_tongue: mother,
                    levels: levels.into_iter().map(str::to_owned).collect(),
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?;
    }
    app.portfolios
        .save_entry(
            user,
            Section::Skills,
            None,
            &EntryInput {
                title: "Python (pandas)".into(),
                category: "digital".into(),
                level: "Proficient".into(),
                evidence: vec![format!("badge:{badge_id}")],
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    Ok(())
}

/// Words the generated items are made of (search has something to find).
const TOPICS: &[&str] = &[
    "Machine Learning",
    "Data Analysis",
    "Project Management",
    "Cloud Computing",
    "Cyber Security",
    "Digital Marketing",
    "Web Development",
    "Statistics",
    "Leadership",
    "Public Speaking",
    "First Aid",
    "Accessibility",
];
const LEVELS: &[&str] = &[
    "Introduction to",
    "Foundations of",
    "Advanced",
    "Applied",
    "Practical",
];

/// Fill the demo learner's e-Backpack with `n` generated items through the
/// use cases (uploads are read and previewed, badges signed and verified):
/// 40 % certificates, 30 % badges, 30 % notes. Returns the three counts.
pub async fn fill_many(app: &App, n: u64, now: OffsetDateTime) -> Result<(u64, u64, u64), String> {
    let email = "learner@demo.backpack.test";
    let user = app
        .store
        .find_user_by_login(email)
        .await
        .map_err(err)?
        .ok_or("the demo learner does not exist")?;
    let issuer = IssuerKey::did_key(SigningKey::generate());
    let (mut certs, mut badges, mut notes) = (0, 0, 0);
    for i in 0..n {
        let topic = TOPICS[(i as usize) % TOPICS.len()];
        let level = LEVELS[(i as usize / TOPICS.len()) % LEVELS.len()];
        let title = format!("{level} {topic} {i}");
        let tag = topic.to_lowercase();
        match i % 10 {
            0..=3 => {
                let day = format!("{}", 1 + i % 28);
                let pdf = samples::pdf(&[samples::text_page(&[
                    (12.0, &format!("Mar {day}, 2024")),
                    (24.0, "Lea Learner"),
                    (12.0, "has successfully completed"),
                    (20.0, &title),
                    (10.0, "an online non-credit course offered through Coursera"),
                    (10.0, &format!("Verify at coursera.org/verify/FILL{i:06}")),
                ])]);
                app.certificates
                    .upload(
                        &user,
                        "certificate.pdf",
                        Bytes::from(pdf),
                        CertificateInput {
                            tags: tag,
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(err)?;
                certs += 1;
            }
            4..=6 => {
                let doc = credential(
                    &issuer,
                    "Open Data Academy",
                    email,
                    &title,
                    &format!("Shows the skills of {topic}, assessed by a final project."),
                    &[(topic, "ESCO", "S1.0.0")],
                    now,
                )?;
                app.badges
                    .import(&user, "badge.json", Bytes::from(doc))
                    .await
                    .map_err(err)?;
                badges += 1;
            }
            _ => {
                app.notes
                    .create(
                        &user,
                        NoteInput {
                            title: &format!("Notes on {title}"),
                            body: &format!("What I learned about **{topic}** in session {i}."),
                            tags: &tag,
                        },
                    )
                    .await
                    .map_err(err)?;
                notes += 1;
            }
        }
    }
    Ok((certs, badges, notes))
}

/// The demo issuer: an academy with its did:web, a complete EU
/// micro-credential and an Open Badge, awarded to the demo learner (who
/// finds them in Portal certificates) and to an address without an account
/// (a claim link in the mail folder); one award revoked.
/// The demo issuer, its achievements and awards, an xAPI rule and a
/// stacking rule the demo learner is on the way to; returns a new xAPI
/// token of the issuer (shown once, in the banner).
pub async fn fill_issuer(app: &App, staff: &User, learner: &str) -> Result<String, String> {
    use backpack_credentials::eu::{Participation, Skill, Translation};
    use backpack_domain::entities::{AchievementSpec, CredentialState};
    use backpack_domain::issuing::{AwardRequest, IssuerInput, RecipientInput};
    let issuing = &app.issuing;
    let issuer = issuing
        .issuers
        .create_issuer(
            staff,
            &IssuerInput {
                name: "Backpack Demo Academy".into(),
                url: "https://academy.example".into(),
                email: "contact@academy.example".into(),
                country_code: "FR".into(),
                region: "Île-de-France".into(),
                description: "A training centre for digital skills.".into(),
                kind: "non_formal".into(),
                accreditation: "Qualiopi certified training provider".into(),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    let security = issuing
        .achievements
        .save_achievement(
            staff,
            issuer.id,
            None,
            AchievementSpec {
                name: "Digital Security Essentials".into(),
                description: "Applies basic digital hygiene: passwords, backups, phishing.".into(),
                criteria: "Complete the six modules and pass the final quiz (70 %).".into(),
                achievement_type: Some("MicroCredential".into()),
                eu: true,
                learning_outcomes: vec![
                    "Choose and manage strong passwords with a password manager".into(),
                    "Recognise phishing messages and report them".into(),
                    "Back up personal data and restore it".into(),
                ],
                ects: Some(1.0),
                hours: Some(25),
                eqf_level: Some(4),
                assessment: Some("Online quiz, automatically graded".into()),
                participation: Some(Participation::Online),
                quality_assurance: Some("Internal quality assurance, reviewed yearly".into()),
                prerequisites: Some("None".into()),
                supervision: Some("Unsupervised, no identity verification".into()),
                grade_scheme: Some("Pass / fail".into()),
                stackability: Some("Counts towards the Digital Skills pathway".into()),
                skills: vec![Skill {
                    uri: "http://data.europa.eu/esco/skill/7f0b0a1b-44e1-4e8c-9f2b-1f6a8d8a0c55"
                        .into(),
                    name: "protect ICT devices".into(),
                }],
                language: "en".into(),
                translations: vec![Translation {
                    language: "fr".into(),
                    name: "Les essentiels de la sécurité numérique".into(),
                    description: "Applique une hygiène numérique de base.".into(),
                }],
                valid_months: Some(36),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    let teamwork = issuing
        .achievements
        .save_achievement(
            staff,
            issuer.id,
            None,
            AchievementSpec {
                name: "Online Collaboration".into(),
                description: "Works with others in shared documents and video meetings.".into(),
                criteria: "Take part in three group projects.".into(),
                achievement_type: Some("Badge".into()),
                language: "en".into(),
                suspendable: true,
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    let award = |achievement_id, recipient: &str, format| AwardRequest {
        achievement_id,
        recipient: RecipientInput::Email(recipient.into()),
        recipient_name: None,
        format,
        grade: None,
    };
    let di = SignFormat::DataIntegrity(backpack_credentials::proof::SignSuite::EddsaRdfc2022);
    issuing
        .awards
        .award(staff, issuer.id, &award(security.id, learner, di))
        .await
        .map_err(err)?;
    issuing
        .awards
        .award(
            staff,
            issuer.id,
            &award(teamwork.id, learner, SignFormat::Jwt),
        )
        .await
        .map_err(err)?;
    issuing
        .awards
        .award(
            staff,
            issuer.id,
            &award(security.id, "newcomer@demo.backpack.test", di),
        )
        .await
        .map_err(err)?;
    let revoked = issuing
        .awards
        .award(
            staff,
            issuer.id,
            &award(teamwork.id, "former@demo.backpack.test", di),
        )
        .await
        .map_err(err)?;
    issuing
        .status
        .set_state(
            staff,
            revoked.id,
            CredentialState::Revoked,
            "Awarded by mistake",
        )
        .await
        .map_err(err)?;

    // Automation: passing the LMS course (70 % or more) earns "Data
    // Literacy"; holding it with the two others earns the pathway, which
    // the learner's Portal certificates page shows 2 of 3 of.
    let eu_spec = |name: &str, description: &str, hours: u32| AchievementSpec {
        name: name.into(),
        description: description.into(),
        criteria: "Complete the course and pass its final assessment (70 %).".into(),
        achievement_type: Some("MicroCredential".into()),
        eu: true,
        learning_outcomes: vec![
            "Find, read and judge data sources".into(),
            "Present data in a clear chart".into(),
        ],
        ects: Some(f64::from(hours) / 25.0),
        hours: Some(hours),
        eqf_level: Some(4),
        assessment: Some("Online quiz, automatically graded".into()),
        participation: Some(Participation::Online),
        quality_assurance: Some("Internal quality assurance, reviewed yearly".into()),
        language: "en".into(),
        ..Default::default()
    };
    let data = issuing
        .achievements
        .save_achievement(
            staff,
            issuer.id,
            None,
            eu_spec(
                "Data Literacy",
                "Reads, judges and presents data for everyday decisions.",
                25,
            ),
        )
        .await
        .map_err(err)?;
    let pathway = issuing
        .achievements.save_achievement(
            staff,
            issuer.id,
            None,
            AchievementSpec {
                stackability: Some(
                    "Stacked from Digital Security Essentials, Online Collaboration and Data Literacy"
                        .into(),
                ),
                ..eu_spec(
                    "Digital Skills Pathway",
                    "Holds the three digital skills micro-credentials of the academy.",
                    75,
                )
            },
        )
        .await
        .map_err(err)?;
    issuing
        .xapi
        .save_xapi_rule(staff, issuer.id, DEMO_ACTIVITY, Some(data.id), Some("70"))
        .await
        .map_err(err)?;
    issuing
        .stacking
        .save_stack_rule(
            staff,
            issuer.id,
            Some(pathway.id),
            &[
                security.id.to_string(),
                teamwork.id.to_string(),
                data.id.to_string(),
            ],
        )
        .await
        .map_err(err)?;
    let (_, token) = issuing
        .tokens
        .create_token(staff, issuer.id, "Demo LMS", "xapi")
        .await
        .map_err(err)?;
    Ok(token)
}

/// The course activity of the demo's xAPI rule.
pub const DEMO_ACTIVITY: &str = "https://lms.demo.backpack.test/courses/data-literacy";

/// What a batch benchmark measured.
#[derive(Debug, Clone, Copy)]
pub struct BatchBench {
    pub rows: u64,
    pub issued: i64,
    /// Checking the file (parse, validate, store the preview).
    pub upload_secs: f64,
    /// Issuing: sign, store, status list entries, claim links, mail.
    pub issue_secs: f64,
    /// When the batch itself was done (every credential stored, its mail
    /// queued); `issue_secs` also waits for the mail queue to drain.
    pub batch_secs: f64,
}

/// Issue `rows` credentials from a generated CSV through the real batch
/// path (upload, check, start, background job), end to end. `progress` is
/// called about ten times a second while the job runs.
pub async fn bench_batch(
    app: &App,
    rows: u64,
    mut progress: impl FnMut(i64),
) -> Result<BatchBench, String> {
    use backpack_domain::entities::BatchState;
    use backpack_domain::issuing::IssuerInput;
    use backpack_domain::values::{DisplayName, Email, Role};
    // One issuer staff account on the fresh data folder: the benchmark
    // measures the batch, not the demo learner's documents.
    let staff = app
        .accounts
        .create_account(
            &Email::parse("email", "bench-issuer@bench.example").map_err(|e| e.code.to_owned())?,
            &uuid::Uuid::new_v4().simple().to_string(),
            &DisplayName::parse("name", "Bench Issuer").map_err(|e| e.code.to_owned())?,
            Role::IssuerStaff,
            None,
            true,
        )
        .await
        .map_err(err)?;
    let issuer = app
        .issuing
        .issuers
        .create_issuer(
            &staff,
            &IssuerInput {
                name: format!("Benchmark Academy {}", uuid::Uuid::new_v4().simple()),
                country_code: "FR".into(),
                accreditation: "Internal quality assurance".into(),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    let spec = backpack_credentials::samples::eu_achievement();
    let achievement = app
        .issuing
        .achievements
        .save_achievement(&staff, issuer.id, None, spec)
        .await
        .map_err(err)?;
    let mut csv = String::with_capacity(rows as usize * 40 + 20);
    csv.push_str("email,name,grade\n");
    for i in 0..rows {
        csv.push_str(&format!("learner{i}@bench.example,Learner {i},B\n"));
    }
    let started = std::time::Instant::now();
    let uploaded = app
        .issuing
        .batches
        .upload_batch(
            &staff,
            issuer.id,
            achievement.id,
            SignFormat::DataIntegrity(backpack_credentials::proof::SignSuite::EddsaRdfc2022),
            "bench.csv",
            Bytes::from(csv),
        )
        .await
        .map_err(err)?;
    let upload_secs = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    // The server's job runner, as `serve` runs it: the batch, then its
    // mails and deliveries, are jobs.
    let runner = tokio::spawn(app.jobs.clone().run());
    app.issuing
        .batches
        .start_batch(&staff, uploaded.batch.id)
        .await
        .map_err(err)?;
    let mut batch_secs = None;
    let result = loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let b = app
            .issuing
            .batches
            .batch(&staff, uploaded.batch.id)
            .await
            .map_err(err)?;
        progress(b.issued);
        if b.state == BatchState::Done {
            let batch_secs = *batch_secs.get_or_insert(started.elapsed().as_secs_f64());
            // Done when every mail is sent too.
            let counts = app.jobs.counts().await.map_err(err)?;
            if counts.failed > 0 {
                break Err(format!("{} jobs failed", counts.failed));
            }
            if counts.queued + counts.running == 0 {
                break Ok(BatchBench {
                    rows,
                    issued: b.issued,
                    upload_secs,
                    issue_secs: started.elapsed().as_secs_f64(),
                    batch_secs,
                });
            }
        }
    };
    app.jobs.stop();
    let _ = runner.await;
    result
}
