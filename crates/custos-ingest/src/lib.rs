//! custos-ingest
