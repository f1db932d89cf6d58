//! (in progress)

use crate::{Actor, Db, StoreError};

pub(crate) async fn load(_db: &Db, _actor: &Actor, _zone_id: i64) -> Result<(), StoreError> {
    Ok(())
}
