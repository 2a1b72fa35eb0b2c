//! kcfg-stdlib: the `std` object.
