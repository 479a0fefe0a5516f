//! The PostgreSQL engine, for several `cinesense serve` replicas sharing one database: users,
//! sessions, ratings and failed logins live only here, so any replica answers any request. A
//! commit is acknowledged only once PostgreSQL has made it durable (its default
//! `synchronous_commit`). Its SQL is in dialect.rs, its connections in pool.rs.

mod dialect;
mod migrations;
mod pool;

#[cfg(test)]
pub(super) use dialect::sql;

pub(super) use pool::PgStore;

use super::query::Query;
use super::rows::{Row, Value};
use super::Unavailable;
use super::{Engine, Statements, UniqueViolation};
use anyhow::{anyhow, bail, Result};
use pool::{wait_until, CALL_DEADLINE};
use std::time::Instant;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Statement;

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for logs.
pub(super) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// A value as the statement's parameter `ty` takes it.
fn to_pg(v: &Value, ty: &Type) -> Result<Box<dyn ToSql + Sync + Send>> {
    Ok(match (v, ty) {
        (Value::Int(i), &Type::INT8) => Box::new(*i),
        (Value::Int(i), &Type::INT4) => Box::new(i32::try_from(*i)?),
        (Value::Int(i), &Type::FLOAT8) => Box::new(*i as f64),
        (Value::Int(i), &Type::FLOAT4) => Box::new(*i as f32),
        (Value::Real(r), &Type::FLOAT8) => Box::new(*r),
        (Value::Real(r), &Type::FLOAT4) => Box::new(*r as f32),
        (Value::Text(t), &Type::TEXT | &Type::VARCHAR | &Type::NAME) => Box::new(t.clone()),
        (Value::Null, &Type::INT8) => Box::new(None::<i64>),
        (Value::Null, _) => Box::new(None::<String>),
        (v, ty) => bail!("cannot pass {v:?} as PostgreSQL {ty}"),
    })
}

/// Column `i` of `row` as the store reads it.
fn from_pg(row: &tokio_postgres::Row, i: usize) -> Result<Value> {
    let ty = row.columns()[i].type_();
    let v = match *ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)?
            .map(|v| Value::Int(v.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)?
            .map(|v| Value::Real(v.into())),
        Type::TEXT | Type::VARCHAR | Type::NAME => {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        }
        _ => bail!("the store reads no PostgreSQL {ty} column"),
    };
    Ok(v.unwrap_or(Value::Null))
}

/// A PostgreSQL error as the store reports it: a broken uniqueness rule, the server out of
/// reach (no connection, a closed one, shutting down or starting up: `Unavailable`, which the
/// API answers 503), or anything else.
fn failed(e: tokio_postgres::Error) -> anyhow::Error {
    match e.code() {
        Some(&SqlState::UNIQUE_VIOLATION) => {
            anyhow::Error::new(UniqueViolation).context(e.to_string())
        }
        None => anyhow::Error::new(Unavailable::new(e.to_string())),
        Some(code) if out_of_reach(code) => anyhow::Error::new(Unavailable::new(e.to_string())),
        Some(_) => e.into(),
    }
}

/// Connection exceptions (class 08) and the server shutting down or not yet up.
fn out_of_reach(code: &SqlState) -> bool {
    code.code().starts_with("08")
        || [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
        ]
        .contains(code)
}

/// The parameters for `stmt`, typed as it takes them.
fn params(stmt: &Statement, values: &[Value]) -> Result<Vec<Box<dyn ToSql + Sync + Send>>> {
    if stmt.params().len() != values.len() {
        return Err(anyhow!(
            "the statement takes {} parameters, got {}",
            stmt.params().len(),
            values.len()
        ));
    }
    values
        .iter()
        .zip(stmt.params())
        .map(|(v, ty)| to_pg(v, ty))
        .collect()
}

fn refs(boxed: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    boxed
        .iter()
        .map(|b| b.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

fn rows(found: Vec<tokio_postgres::Row>) -> Result<Vec<Row>> {
    found
        .iter()
        .map(|r| (0..r.len()).map(|i| from_pg(r, i)).collect())
        .collect()
}

impl Engine for PgStore {
    fn execute(&self, q: Query, values: &[Value]) -> Result<u64> {
        let deadline = Instant::now() + CALL_DEADLINE;
        let mut conn = self.conn(deadline)?;
        let stmt = conn.prepared(dialect::sql(q), deadline)?;
        let boxed = params(&stmt, values)?;
        wait_until(conn.client.execute(&stmt, &refs(&boxed)), deadline)?.map_err(failed)
    }

    fn query(&self, q: Query, values: &[Value]) -> Result<Vec<Row>> {
        let deadline = Instant::now() + CALL_DEADLINE;
        let mut conn = self.conn(deadline)?;
        let stmt = conn.prepared(dialect::sql(q), deadline)?;
        let boxed = params(&stmt, values)?;
        rows(wait_until(conn.client.query(&stmt, &refs(&boxed)), deadline)?.map_err(failed)?)
    }

    fn transaction(&self, work: &mut dyn FnMut(&mut dyn Statements) -> Result<()>) -> Result<()> {
        let deadline = Instant::now() + CALL_DEADLINE;
        let mut conn = self.conn(deadline)?;
        let tx = wait_until(conn.client.transaction(), deadline)?.map_err(failed)?;
        let mut statements = Transaction { tx, deadline };
        work(&mut statements)?;
        wait_until(statements.tx.commit(), deadline)?.map_err(failed)?;
        Ok(())
    }
}

/// Statements inside a transaction on one connection (rolled back when dropped uncommitted),
/// all within the call's deadline.
struct Transaction<'a> {
    tx: tokio_postgres::Transaction<'a>,
    deadline: Instant,
}

impl Statements for Transaction<'_> {
    fn execute(&mut self, q: Query, values: &[Value]) -> Result<u64> {
        let stmt = wait_until(self.tx.prepare(dialect::sql(q)), self.deadline)?.map_err(failed)?;
        let boxed = params(&stmt, values)?;
        wait_until(self.tx.execute(&stmt, &refs(&boxed)), self.deadline)?.map_err(failed)
    }

    fn query(&mut self, q: Query, values: &[Value]) -> Result<Vec<Row>> {
        let stmt = wait_until(self.tx.prepare(dialect::sql(q)), self.deadline)?.map_err(failed)?;
        let boxed = params(&stmt, values)?;
        rows(wait_until(self.tx.query(&stmt, &refs(&boxed)), self.deadline)?.map_err(failed)?)
    }
}

#[cfg(test)]
pub(super) fn migrations_latest() -> i64 {
    super::schema::LATEST
}
