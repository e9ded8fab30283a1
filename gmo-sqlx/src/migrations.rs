//! The embedded schema migrations and the rule for which ones to apply.
//!
//! Applied migrations are recorded in the store's own table, `gmo_migrations`, not in sqlx's
//! `_sqlx_migrations`: a merchant who runs their own sqlx migrations on the same database would
//! otherwise find our versions in their table and sqlx would refuse to migrate ("previously
//! applied but missing"). Each backend applies the pending migrations in one transaction, under
//! a lock, so that app instances starting together migrate once.

use sqlx::migrate::{MigrateError, Migration, Migrator};

#[cfg(feature = "postgres")]
pub(crate) static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

#[cfg(feature = "sqlite")]
pub(crate) static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");

/// The migrations of `migrator` not yet in `applied` (version and checksum of each applied
/// one), in version order.
///
/// An applied migration whose checksum differs is [`MigrateError::VersionMismatch`]: the schema
/// is not the one this version expects. Applied versions this version does not know (a newer
/// release ran first, as in a rolling deployment) are left alone: migrations only add.
pub(crate) fn pending<'m>(
    migrator: &'m Migrator,
    applied: &[(i64, Vec<u8>)],
) -> Result<Vec<&'m Migration>, MigrateError> {
    let mut pending = Vec::new();
    for migration in migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
    {
        match applied
            .iter()
            .find(|(version, _)| *version == migration.version)
        {
            Some((_, checksum)) if checksum.as_slice() == &*migration.checksum => {}
            Some(_) => return Err(MigrateError::VersionMismatch(migration.version)),
            None => pending.push(migration),
        }
    }
    pending.sort_by_key(|m| m.version);
    Ok(pending)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use sqlx::migrate::MigrationType;

    use super::*;

    fn migrator() -> Migrator {
        let migration = |version: i64, sql: &'static str| {
            Migration::new(
                version,
                Cow::Borrowed("m"),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                false,
            )
        };
        Migrator {
            migrations: Cow::Owned(vec![migration(1, "a"), migration(2, "b")]),
            ..Migrator::DEFAULT
        }
    }

    #[test]
    fn applies_what_is_missing_and_refuses_a_changed_migration() {
        let migrator = migrator();
        let versions = |applied: &[(i64, Vec<u8>)]| -> Vec<i64> {
            pending(&migrator, applied)
                .unwrap()
                .iter()
                .map(|m| m.version)
                .collect()
        };
        let checksum = |i: usize| migrator.migrations[i].checksum.to_vec();
        assert_eq!(versions(&[]), vec![1, 2]);
        assert_eq!(versions(&[(1, checksum(0))]), vec![2]);
        // A newer release's migration is left alone.
        assert_eq!(
            versions(&[(1, checksum(0)), (2, checksum(1)), (3, vec![0])]),
            Vec::<i64>::new()
        );
        assert!(matches!(
            pending(&migrator, &[(1, checksum(1))]),
            Err(MigrateError::VersionMismatch(1))
        ));
    }

    #[test]
    fn embeds_the_migrations_of_each_backend() {
        #[cfg(feature = "postgres")]
        assert!(POSTGRES.iter().any(|m| m.sql.contains("gmo_orders")));
        #[cfg(feature = "sqlite")]
        assert!(SQLITE.iter().any(|m| m.sql.contains("gmo_orders")));
    }
}
