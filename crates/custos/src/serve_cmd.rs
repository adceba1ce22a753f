//! `custos serve [--demo]` and `custos token create|list|revoke`.

use crate::output::{self, csv_field, Context, Format, UsageError};
use crate::{ingest_cmd, node_cmd, Outcome};
use anyhow::{Context as _, Result};
use custos_server::{create_token, list_tokens, revoke_token, Role, ServeOptions, TokenInfo};
use std::io::{BufWriter, Write};
use std::net::SocketAddr;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080, or `serve.listen` of the config file).
    #[arg(long, env = "CUSTOS_LISTEN")]
    listen: Option<SocketAddr>,
    /// Seed a data dir that holds no events yet with a simulated marketplace,
    /// and print a fresh admin token to sign in with.
    #[arg(long)]
    demo: bool,
    #[command(flatten)]
    bus: node_cmd::BusArgs,
}

pub fn serve(ctx: &Context, args: ServeArgs) -> Result<Outcome> {
    // A bus node keeps its own ledger (its users' actions, the guard's
    // decisions, cases) under its own name in the shared store.
    let node_ctx;
    let ctx = match &args.bus.bus {
        Some(_) if args.demo => {
            return Err(UsageError(
                "--demo seeds one node's own store; drop --bus to run the demo".into(),
            )
            .into())
        }
        Some(_) => {
            node_ctx = Context {
                data_dir: ctx.data_dir.clone(),
                store: custos_store::StoreSpec::Postgres {
                    url: node_cmd::shared_store_url(ctx)?,
                    ledger: format!("node-{}", node_cmd::node_name(&args.bus)?),
                },
                format: ctx.format,
                config: ctx.config.clone(),
            };
            &node_ctx
        }
        None => ctx,
    };
    let mut pipeline = ctx.open_detecting()?;
    if args.demo {
        if pipeline.ledger().size() == 0 {
            seed_demo(ctx, &mut pipeline)?;
        }
        let mut store = custos_store::open_store(&ctx.data_dir().store_spec())?;
        let token = create_token(&mut *store, Role::Admin, "demo", Some(1))?;
        eprintln!("demo: sign in to the console with this admin token (valid one day):\n{token}");
    }
    let node = match &args.bus.bus {
        Some(url) => Some(node_cmd::start(ctx, &args.bus, url)?),
        None => None,
    };
    let opts = ServeOptions {
        listen: args.listen.unwrap_or(ctx.config.listen),
        data_dir: ctx.data_dir(),
        guard: ctx.config.guard.clone(),
        decisions: ctx.config.decisions,
        bus: node.as_ref().map(|n| n.bus.clone()),
    };
    let served = custos_server::serve(opts, pipeline, |addr| {
        eprintln!("custos: console and API on http://{addr}/ (Ctrl-C stops)");
    });
    if let Some(node) = node {
        node.stop()?;
    }
    served?;
    Ok(Outcome::Ok)
}

fn seed_demo(ctx: &Context, pipeline: &mut custos_ingest::Pipeline) -> Result<()> {
    let dir = ctx.data_dir.join("demo");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let cfg = custos_sim::SimConfig::default();
    eprintln!(
        "demo: simulating a marketplace of {} employees over {} days…",
        cfg.employees, cfg.days
    );
    let events = dir.join("events.jsonl");
    let mut out = BufWriter::new(
        std::fs::File::create(&events)
            .with_context(|| format!("cannot create `{}`", events.display()))?,
    );
    let truth = custos_sim::simulate(&cfg, &mut out)?;
    out.flush()?;
    std::fs::write(dir.join("truth.json"), serde_json::to_vec_pretty(&truth)?)?;
    let files = vec![events.to_string_lossy().into_owned()];
    let (summary, failure) = ingest_cmd::ingest_files(pipeline, files, ctx.config.batch, true)?;
    if let Some(e) = failure {
        return Err(e);
    }
    pipeline.snapshot_detection()?;
    eprintln!(
        "demo: ingested {} events; ground truth in {}",
        summary.accepted,
        dir.join("truth.json").display()
    );
    Ok(())
}

#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Creates an API token and prints it once; only its hash is stored.
    Create {
        /// One of ingest, analyst, investigator, dpo, admin.
        #[arg(long)]
        role: String,
        /// Who or what the token is for, shown in the audit trail.
        #[arg(long, default_value = "unnamed")]
        name: String,
        /// Days until the token expires (default: never).
        #[arg(long)]
        days: Option<u32>,
    },
    /// Lists every token ever created (id, name, role, status, dates);
    /// never the tokens themselves.
    List,
    /// Revokes a token at once (a running server refuses it within a
    /// second); the record stays, marked revoked.
    Revoke {
        /// The token's id from `custos token list` (`tok-` and at least 6
        /// hex digits), or its name when one active token has it.
        token: String,
    },
}

pub fn token(ctx: &Context, cmd: TokenCommand) -> Result<Outcome> {
    match cmd {
        TokenCommand::Create { role, name, days } => {
            let role = Role::parse(&role).ok_or_else(|| {
                UsageError(format!(
                    "unknown role `{role}`; use one of {}",
                    Role::NAMES.join(", ")
                ))
            })?;
            std::fs::create_dir_all(&ctx.data_dir)
                .with_context(|| format!("cannot create `{}`", ctx.data_dir.display()))?;
            let mut store = custos_store::open_store(&ctx.data_dir().store_spec())?;
            let token = create_token(&mut *store, role, &name, days)?;
            println!("{token}");
            Ok(Outcome::Ok)
        }
        TokenCommand::List => {
            let store = existing_store(ctx)?;
            print_tokens(ctx.format, &list_tokens(&*store)?)?;
            Ok(Outcome::Ok)
        }
        TokenCommand::Revoke { token } => {
            let mut store = existing_store(ctx)?;
            let info = revoke_token(&mut *store, &token).map_err(|e| UsageError(e.to_string()))?;
            match ctx.format {
                Format::Table => println!(
                    "revoked {} ({}, role {}); a running server refuses it within a second",
                    info.id, info.name, info.role
                ),
                f => output::record(f, &info)?,
            }
            Ok(Outcome::Ok)
        }
    }
}

/// The store that holds the tokens; a wrong `--data-dir` is an error
/// rather than a new, empty store.
fn existing_store(ctx: &Context) -> Result<Box<dyn custos_store::Store>> {
    let spec = ctx.data_dir().store_spec();
    if let custos_store::StoreSpec::Sqlite(path) = &spec {
        if !path.exists() {
            return Err(UsageError(format!(
                "`{}` holds no Custos store, so no tokens; pass the right --data-dir",
                ctx.data_dir.display()
            ))
            .into());
        }
    }
    Ok(custos_store::open_store(&spec)?)
}

fn print_tokens(format: Format, tokens: &[TokenInfo]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            for t in tokens {
                serde_json::to_writer(&mut out, t)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Csv => {
            writeln!(out, "id,name,role,status,created,expires,revoked")?;
            for t in tokens {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{}",
                    t.id,
                    csv_field(&t.name),
                    t.role,
                    t.status,
                    t.created,
                    t.expires.as_deref().unwrap_or(""),
                    t.revoked.as_deref().unwrap_or("")
                )?;
            }
        }
        Format::Table => {
            if tokens.is_empty() {
                writeln!(
                    out,
                    "no tokens; create one with `custos token create --role ROLE --name NAME`"
                )?;
            }
            for t in tokens {
                let until = match (&t.revoked, &t.expires) {
                    (Some(r), _) => format!("revoked {r}"),
                    (None, Some(e)) => format!("expires {e}"),
                    (None, None) => "no expiry".to_owned(),
                };
                writeln!(
                    out,
                    "{}  {:<7}  {:<12}  created {}  {until}  {}",
                    t.id, t.status, t.role, t.created, t.name
                )?;
            }
        }
    }
    Ok(())
}
