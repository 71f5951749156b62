//! Typed Open Badges 3.0 model (being written).
