//! custos-detect
