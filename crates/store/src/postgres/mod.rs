pub struct PostgresStore; impl PostgresStore { pub async fn open(_: &str, _: &crate::StoreOptions) -> crate::StoreResult<Self> { todo!() } }
