//! Integration tests of backpack-crypto against published vectors and keys.

mod vectors;
