//! custos-sim
