//! argon2id password hashes (PHC strings), with the OWASP-recommended
//! parameters (19 MiB, 2 passes, 1 lane). Hashing runs on a blocking thread,
//! at most one per core at a time: each takes 19 MiB, so a burst of logins
//! cannot exhaust memory, it waits.

use std::sync::OnceLock;

use tokio::sync::Semaphore;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand_core::OsRng;

use crate::DomainError;

fn argon() -> Result<Argon2<'static>, DomainError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(DomainError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_blocking(password: &str) -> Result<String, DomainError> {
    let salt = SaltString::generate(&mut OsRng);
    argon()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(DomainError::internal)
}

/// True when `password` matches `phc`. A malformed stored hash is an error,
/// not a match.
pub fn verify_blocking(password: &str, phc: &str) -> Result<bool, DomainError> {
    let parsed = PasswordHash::new(phc).map_err(DomainError::internal)?;
    Ok(argon()?
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        Semaphore::new(
            std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .min(8),
        )
    })
}

pub async fn hash(password: String) -> Result<String, DomainError> {
    let _permit = permits().acquire().await.map_err(DomainError::internal)?;
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(DomainError::internal)?
}

pub async fn verify(password: String, phc: String) -> Result<bool, DomainError> {
    let _permit = permits().acquire().await.map_err(DomainError::internal)?;
    tokio::task::spawn_blocking(move || verify_blocking(&password, &phc))
        .await
        .map_err(DomainError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let h = hash_blocking("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_blocking("correct horse battery", &h).unwrap());
        assert!(!verify_blocking("correct horse batterx", &h).unwrap());
        assert!(verify_blocking("x", "not a phc").is_err());
    }
}
