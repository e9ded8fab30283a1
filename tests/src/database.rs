//! A PostgreSQL schema of a test's own, in the database named by `GMO_TEST_DATABASE_URL`, so
//! that concurrent tests (and runs) never share tables. Without the variable the PostgreSQL
//! scenarios are skipped, and say so.

use std::future::Future;
use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection as _;
use sqlx::postgres::PgConnection;

/// The variable that names the PostgreSQL database of the tests, e.g.
/// `postgres://postgres@127.0.0.1:5432/test` (`.ci/run` sets it).
pub const DATABASE_URL: &str = "GMO_TEST_DATABASE_URL";

/// The schemas' names: `gmo_it_<unix seconds>_<process>_<random>`.
const SCHEMA_PREFIX: &str = "gmo_it_";

/// Schemas older than this are left over from runs that were stopped: the next run drops them.
const STALE_AFTER_SECS: u64 = 3600;

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Drops the schemas of runs older than an hour (best effort: another run may be dropping them
/// too).
async fn drop_stale_schemas(admin: &mut PgConnection) {
    let schemas: Vec<String> =
        sqlx::query_scalar(r"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'gmo\_it\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for schema in schemas {
        let created = schema
            .trim_start_matches(SCHEMA_PREFIX)
            .split('_')
            .next()
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|secs| secs + STALE_AFTER_SECS < unix_secs()) {
            let _ = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut *admin)
                .await;
        }
    }
}

/// A new schema, dropped by [`TestSchema::drop_schema`] (or, if the run is stopped first, by a
/// run an hour later).
#[derive(Debug)]
pub struct TestSchema {
    database_url: String,
    name: String,
    /// The database URL whose connections work in the schema (`search_path` set by the
    /// connection's `options`): give it to a shop as `SHOP_DATABASE_URL`.
    pub url: String,
}

impl TestSchema {
    /// Creates `gmo_it_<unique>` in the database of `GMO_TEST_DATABASE_URL`; `None`, after
    /// printing that `test` is skipped, when the variable is not set. Panics when the database
    /// is set but unreachable.
    pub async fn create(test: &str) -> Option<Self> {
        let database_url = match std::env::var(DATABASE_URL) {
            Ok(url) if !url.trim().is_empty() => url,
            _ => {
                // Past the harness's capture, so that a skipped run says it.
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped: {test}: PostgreSQL tests need {DATABASE_URL}"
                );
                return None;
            }
        };
        let name = format!(
            "{SCHEMA_PREFIX}{}_{}_{:08x}",
            unix_secs(),
            std::process::id(),
            rand::random::<u32>()
        );
        let mut admin = PgConnection::connect(&database_url)
            .await
            .unwrap_or_else(|e| panic!("{DATABASE_URL} is set but unreachable: {e}"));
        drop_stale_schemas(&mut admin).await;
        sqlx::raw_sql(&format!("CREATE SCHEMA {name}"))
            .execute(&mut admin)
            .await
            .expect("create the test schema");
        let _ = admin.close().await;
        let separator = if database_url.contains('?') { '&' } else { '?' };
        let url = format!("{database_url}{separator}options=-c%20search_path%3D{name}");
        Some(Self {
            database_url,
            name,
            url,
        })
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the schema and everything in it.
    pub async fn drop_schema(self) {
        let mut admin = PgConnection::connect(&self.database_url)
            .await
            .expect("the test database");
        sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name))
            .execute(&mut admin)
            .await
            .expect("drop the test schema");
        let _ = admin.close().await;
    }
}

/// Runs `scenario` with the URL of a new schema (see [`TestSchema::create`]; skipped when
/// `test` has no database), then drops the schema, whether the scenario passed or panicked.
pub async fn in_new_schema<F, Fut>(test: &str, scenario: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(schema) = TestSchema::create(test).await else {
        return;
    };
    let outcome = tokio::spawn(scenario(schema.url.clone())).await;
    schema.drop_schema().await;
    if let Err(failed) = outcome {
        std::panic::resume_unwind(failed.into_panic());
    }
}

/// The schema connections to `url` work in, and how many rows `table` has there: where a shop
/// given `url` put its rows.
pub async fn rows_in_schema(url: &str, table: &str) -> (String, i64) {
    let mut connection = PgConnection::connect(url).await.expect("the test database");
    let schema: String = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(&mut connection)
        .await
        .expect("the current schema");
    let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {schema}.{table}"))
        .fetch_one(&mut connection)
        .await
        .unwrap_or_else(|e| panic!("rows of {schema}.{table}: {e}"));
    let _ = connection.close().await;
    (schema, rows)
}
