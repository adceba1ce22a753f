//! `custos verify`, `custos checkpoint`, `custos prove`.

use crate::output::{self, Context, Format, UsageError};
use crate::Outcome;
use anyhow::Result;
use serde::Serialize;

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// Also verify every partition ledger of a scale-out deployment's
    /// shared dir (see `custos serve --bus`), with the cosignatures the
    /// nodes published for them; needs the shared `--store postgres://...`.
    #[arg(long, env = "CUSTOS_SHARED")]
    shared: Option<std::path::PathBuf>,
}

pub fn verify(ctx: &Context, args: VerifyArgs) -> Result<Outcome> {
    let dir = ctx.data_dir();
    let own = dir.ledger().join("checkpoint").exists();
    if !own && args.shared.is_none() {
        return Err(UsageError(format!(
            "`{}` holds no Custos ledger to verify; pass the right --data-dir",
            ctx.data_dir.display()
        ))
        .into());
    }
    let mut ok = true;
    if own {
        let report = custos_ingest::verify(&dir);
        ok &= report.ok;
        output::record(ctx.format, &report)?;
    }
    if let Some(shared) = &args.shared {
        let url = crate::node_cmd::shared_store_url(ctx)?;
        let reports = custos_server::node::verify_partitions(shared, &url);
        if reports.is_empty() {
            return Err(UsageError(format!(
                "`{}` holds no partition ledgers (`p0/`, `p1/`, ...); pass the deployment's shared dir",
                shared.display()
            ))
            .into());
        }
        for r in &reports {
            ok &= r.report.ok;
            output::record(ctx.format, r)?;
        }
    }
    Ok(if ok { Outcome::Ok } else { Outcome::Problem })
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
