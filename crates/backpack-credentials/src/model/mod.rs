//! The typed Open Badges 3.0 / VC 2.0 (and VC 1.1) model, and the structure
//! rules: the verifier reports them and the signer refuses to sign a
//! credential that breaks one ([`check_structure`], one place for both).
//!
//! **Lossless**: every struct keeps the members it does not name in `extra`,
//! and fields that may be a string or an object, one or many, are read and
//! written back in the shape they came in. `Value → Credential → Value` is the
//! identity for real credentials (tested on the corpus), so a credential can
//! be read, shown and re-serialised without breaking its signature.

mod related;
mod structure;

pub use structure::{
    check_structure, parse_datetime, validity_window, vc_version, Severity, StructureIssue,
    VcVersion,
};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One value or an array of them, written back as it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// All values as a slice-like iterator.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        match self {
            OneOrMany::One(t) => std::slice::from_ref(t).iter(),
            OneOrMany::Many(v) => v.iter(),
        }
    }

    pub fn first(&self) -> Option<&T> {
        self.iter().next()
    }
}

/// A member that is an IRI or an embedded object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IdOrObject<T> {
    Id(String),
    Object(Box<T>),
}

/// Text that may be a plain string or a language value object (VC 2.0 §11.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Plain(String),
    Lang(LangValue),
    Many(Vec<LangValue>),
}

impl Text {
    /// The first string, whatever the shape.
    pub fn as_str(&self) -> &str {
        match self {
            Text::Plain(s) => s,
            Text::Lang(l) => &l.value,
            Text::Many(v) => v.first().map(|l| l.value.as_str()).unwrap_or(""),
        }
    }
}

/// `{"@value", "@language", "@direction"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LangValue {
    #[serde(rename = "@value")]
    pub value: String,
    #[serde(rename = "@language", skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(rename = "@direction", skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
}

macro_rules! lossless_struct {
    ($(#[$m:meta])* $name:ident { $( $(#[$fm:meta])* $field:ident : $ty:ty ),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $( $(#[$fm])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>, )*
            /// Members this model does not name, kept as they came.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }
    };
}

lossless_struct!(
    /// A verifiable credential: OpenBadgeCredential / AchievementCredential,
    /// EndorsementCredential, or any VC.
    Credential {
        #[serde(rename = "@context")]
        context: OneOrMany<Value>,
        id: String,
        #[serde(rename = "type")]
        type_: OneOrMany<String>,
        issuer: IdOrObject<Profile>,
        valid_from: String,
        valid_until: String,
        issuance_date: String,
        expiration_date: String,
        awarded_date: String,
        name: Text,
        description: Text,
        image: IdOrObject<Image>,
        credential_subject: OneOrMany<AchievementSubject>,
        proof: OneOrMany<Value>,
        credential_status: OneOrMany<CredentialStatus>,
        credential_schema: OneOrMany<Value>,
        evidence: OneOrMany<Evidence>,
        endorsement: Vec<Value>,
        endorsement_jwt: Vec<String>,
        refresh_service: Value,
        terms_of_use: OneOrMany<Value>,
    }
);

lossless_struct!(
    /// An issuer (or creator, or endorser) profile.
    Profile {
        id: String,
        #[serde(rename = "type")]
        type_: OneOrMany<String>,
        name: Text,
        url: String,
        email: String,
        phone: String,
        description: Text,
        image: IdOrObject<Image>,
        address: Value,
        official: String,
        parent_org: Value,
        endorsement: Vec<Value>,
    }
);

lossless_struct!(
    /// The subject of an achievement credential: the learner.
    AchievementSubject {
        id: String,
        #[serde(rename = "type")]
        type_: OneOrMany<String>,
        identifier: Vec<IdentityObject>,
        achievement: IdOrObject<Achievement>,
        credits_earned: serde_json::Number,
        activity_start_date: String,
        activity_end_date: String,
        license_number: String,
        narrative: String,
        result: Vec<AchievementResult>,
        role: String,
        source: Value,
        term: String,
        image: IdOrObject<Image>,
        name: Text,
    }
);

lossless_struct!(
    /// An achievement (badge class).
    Achievement {
        id: String,
        #[serde(rename = "type")]
        type_: OneOrMany<String>,
        achievement_type: String,
        alignment: Vec<Alignment>,
        creator: IdOrObject<Profile>,
        credits_available: serde_json::Number,
        criteria: Criteria,
        description: Text,
        endorsement: Vec<Value>,
        field_of_study: String,
        human_code: String,
        image: IdOrObject<Image>,
        in_language: String,
        name: Text,
        other_identifier: Vec<Value>,
        related: Vec<Value>,
        result_description: Vec<ResultDescription>,
        specialization: String,
        tag: Vec<String>,
        version: String,
    }
);

lossless_struct!(
    /// How the achievement is earned.
    Criteria {
        id: String,
        narrative: String,
    }
);

lossless_struct!(
    /// An alignment to a framework (for example an ESCO skill).
    Alignment {
        #[serde(rename = "type")]
        type_: OneOrMany<String>,
        target_name: String,
        target_url: String,
        target_description: String,
        target_framework: String,
        target_code: String,
        target_type: String,
    }
);

lossless_struct!(
    /// A (possibly hashed) identifier of the learner.
    IdentityObject {
        #[serde(rename = "type")]
        type_: String,
        identity_hash: String,
        identity_type: String,
        hashed: bool,
        salt: String,
    }
);

lossless_struct!(
    /// An image reference.
    Image {
        id: String,
        #[serde(rename = "type")]
        type_: String,
        caption: String,
    }
);

lossless_struct!(
    /// A possible result of an achievement.
    ResultDescription {
        id: String,
        #[serde(rename = "type")]
        type_: OneOrMany<String>,
        name: String,
        result_type: String,
        allowed_value: Vec<String>,
        required_value: String,
        value_min: String,
        value_max: String,
    }
);

lossless_struct!(
    /// A result the learner obtained.
    AchievementResult {
        #[serde(rename = "type")]
        type_: OneOrMany<String>,
        result_description: String,
        value: String,
        status: String,
        achieved_level: String,
    }
);

lossless_struct!(
    /// Evidence of the achievement.
    Evidence {
        id: String,
        #[serde(rename = "type")]
        type_: OneOrMany<String>,
        narrative: String,
        name: String,
        description: String,
        genre: String,
        audience: String,
    }
);

lossless_struct!(
    /// A `credentialStatus` entry (Bitstring Status List or other).
    CredentialStatus {
        id: String,
        #[serde(rename = "type")]
        type_: String,
        status_purpose: String,
        status_list_index: Value,
        status_list_credential: String,
        status_size: u64,
        status_message: Vec<Value>,
    }
);

impl Credential {
    /// Read a credential; fails only when a named member has the wrong shape.
    pub fn from_value(v: &Value) -> Result<Self, serde_json::Error> {
        Self::deserialize(v)
    }

    /// Back to JSON, in the shapes it was read in.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The issuer's identifier.
    pub fn issuer_id(&self) -> Option<&str> {
        match self.issuer.as_ref()? {
            IdOrObject::Id(s) => Some(s),
            IdOrObject::Object(p) => p.id.as_deref(),
        }
    }

    /// Does `type` name `t`?
    pub fn has_type(&self, t: &str) -> bool {
        self.type_
            .as_ref()
            .is_some_and(|ty| ty.iter().any(|x| x == t))
    }
}
