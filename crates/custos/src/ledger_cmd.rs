//! `custos verify`, `custos checkpoint`, `custos prove`.

use crate::output::{self, Context, Format, UsageError};
use crate::Outcome;
use anyhow::Result;
use serde::Serialize;

pub fn verify(ctx: &Context) -> Result<Outcome> {
    let dir = ctx.data_dir();
    if !dir.ledger().join("checkpoint").exists() {
        return Err(UsageError(format!(
            "`{}` holds no Custos ledger to verify; pass the right --data-dir",
            ctx.data_dir.display()
        ))
        .into());
    }
    let report = custos_ingest::verify(&dir);
    output::record(ctx.format, &report)?;
    Ok(if report.ok {
        Outcome::Ok
    } else {
        Outcome::Problem
    })
}

pub fn checkpoint(ctx: &Context) -> Result<Outcome> {
    let p = ctx.open_read_only()?;
    print!("{}", p.ledger().checkpoint().note_text);
    Ok(Outcome::Ok)
}

#[derive(Serialize)]
struct Proof {
    event_id: String,
    index: u64,
    tree_size: u64,
    leaf_hash: String,
    proof: Vec<String>,
    checkpoint: String,
}

pub fn prove(ctx: &Context, event_id: &str) -> Result<Outcome> {
    let p = ctx.open_read_only()?;
    let Some(stored) = p.store().event(event_id)? else {
        return Err(UsageError(format!(
            "no event with id `{event_id}` in this ledger; check the id"
        ))
        .into());
    };
    let cp = p.ledger().checkpoint();
    let proof = p.ledger().prove_inclusion(stored.index, cp.size)?;
    let out = Proof {
        event_id: event_id.to_owned(),
        index: stored.index,
        tree_size: cp.size,
        leaf_hash: hex(&custos_ingest::leaf_hash(&stored.entry)),
        proof: proof.iter().map(|h| hex(&h.0)).collect(),
        checkpoint: cp.note_text.clone(),
    };
    match ctx.format {
        Format::Json => output::json_line(&out)?,
        _ => output::table_of(&out)?,
    }
    Ok(Outcome::Ok)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
