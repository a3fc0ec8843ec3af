//! `hrss serve --pg-port`: the warehouse over the PostgreSQL wire protocol, for psql, DBeaver, BI tools
//! and Python. Locked (SCRAM-SHA-256 against salted password hashes), read-only, each user seeing only
//! the schemas granted to them, every query bounded in memory and time.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider, MemoryCatalogProviderList, SchemaProvider, TableProvider};
use datafusion::common::ParamValues;
use datafusion::execution::SessionStateBuilder;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{SetExpr, Statement};
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::setup_pg_catalog;
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire::api::auth::sasl::SASLAuthStartupHandler;
use datafusion_postgres::pgwire::api::auth::sasl::scram::{ScramAuth, gen_salted_password};
use datafusion_postgres::pgwire::api::auth::{AuthSource, DefaultServerParameterProvider, LoginInfo, Password, StartupHandler};
use datafusion_postgres::pgwire::api::portal::{Format, Portal};
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::results::{FieldInfo, QueryResponse, Response};
use datafusion_postgres::pgwire::api::stmt::QueryParser;
use datafusion_postgres::pgwire::api::store::PortalStore;
use datafusion_postgres::pgwire::api::{ClientInfo, ClientPortalStore, PgWireServerHandlers, Type};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::PgWireBackendMessage;
use datafusion_postgres::{DfSessionService, QueryHook};
use futures::{Sink, StreamExt};
use hrss_core::warehouse::PoolSharing;
use hrss_core::Warehouse;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, Result};

/// PBKDF2 rounds of the stored SCRAM-SHA-256 salted passwords: PostgreSQL's own default.
const SCRAM_ITERATIONS: usize = 4096;

/// Schemas every user sees: the code lists, the self-description and the two system catalogs.
const ALWAYS_VISIBLE: [&str; 4] = ["ref", "docs", "pg_catalog", "information_schema"];

/// The users of `hrss serve`: never a password, only its SCRAM-SHA-256 salted hash.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct UsersFile {
    #[serde(default)]
    pub users: BTreeMap<String, UserEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserEntry {
    /// Random salt, hex.
    pub salt: String,
    /// PBKDF2-HMAC-SHA-256(password, salt, 4096), hex: what SCRAM-SHA-256 verifies against.
    pub salted_password: String,
    /// Granted schemas (`staging`, `marts`, `forecasts`, `quarantine`, `public` for the ledger), or `*`.
    pub schemas: Vec<String>,
}

impl UserEntry {
    pub fn new(password: &str, schemas: Vec<String>) -> Self {
        let salt: [u8; 16] = rand::random();
        Self { salt: hex::encode(salt), salted_password: hex::encode(gen_salted_password(password, &salt, SCRAM_ITERATIONS)), schemas }
    }

    fn may_read(&self, schema: &str) -> bool {
        ALWAYS_VISIBLE.contains(&schema) || self.schemas.iter().any(|s| s == "*" || s == schema)
    }
}

impl UsersFile {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AppError::Usage(format!("cannot read the users file {}: {e}; add a user with `hrss user add NAME --schemas marts`", path.display()))
        })?;
        let users: Self = toml::from_str(&text).map_err(|e| AppError::Usage(format!("{}: {e}", path.display())))?;
        for (name, user) in &users.users {
            if hex::decode(&user.salt).is_err() || hex::decode(&user.salted_password).is_err() {
                return Err(AppError::Usage(format!(
                    "{}: user `{name}` has a salt or salted_password that is not hex; set the password again with `hrss user add {name}`",
                    path.display()
                )));
            }
        }
        Ok(users)
    }

    /// The file as it is, or an empty one when it does not exist yet.
    pub fn load_or_default(path: &Path) -> Result<Self> {
        if path.exists() { Self::load(path) } else { Ok(Self::default()) }
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let text = format!(
            "# Users of `hrss serve`, written by `hrss user add`. Each holds a random salt and its SCRAM-SHA-256\n\
             # salted password (PBKDF2-HMAC-SHA-256, {SCRAM_ITERATIONS} rounds), never the password; `schemas` are the grants.\n{}",
            toml::to_string_pretty(self).map_err(|e| AppError::Usage(e.to_string()))?
        );
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| AppError::Io { path: parent.to_path_buf(), source })?;
        }
        std::fs::write(path, text).map_err(|source| AppError::Io { path: path.to_path_buf(), source })
    }
}

/// What the PostgreSQL listener is given.
#[derive(Debug, Clone)]
pub struct PgOptions {
    pub host: String,
    pub port: u16,
    pub users: PathBuf,
    /// Memory one query may hold before it spills, and beyond which it fails.
    pub memory_limit: usize,
    /// Longest a query may run, from parse to last row.
    pub statement_timeout: Duration,
    /// How often loads and builds made since start are picked up.
    pub refresh_every: Duration,
}

/// Binds the listener and serves until the process ends. Prints `postgresql://HOST:PORT` once bound,
/// so a caller that asked for port 0 learns the port.
pub async fn serve_pg(warehouse: Warehouse, base: SessionContext, options: PgOptions) -> Result<()> {
    let users = UsersFile::load(&options.users)?;
    if users.users.is_empty() {
        return Err(AppError::Usage(format!(
            "{} has no users; add one with `hrss user add NAME --schemas marts`",
            options.users.display()
        )));
    }
    let mut sessions = HashMap::new();
    for (name, user) in &users.users {
        sessions.insert(name.clone(), Arc::new(UserSession::new(&base, name, user.clone()).await?));
    }
    let handlers = Arc::new(Handlers {
        service: Arc::new(Service { sessions: Arc::new(sessions), memory_limit: options.memory_limit, timeout: options.statement_timeout }),
        auth: Arc::new(UsersAuth { users: users.users }),
    });
    let listener = tokio::net::TcpListener::bind((options.host.as_str(), options.port))
        .await
        .map_err(|source| AppError::Usage(format!("cannot listen on {}:{}: {source}", options.host, options.port)))?;
    let bound = listener.local_addr().map_err(|source| AppError::Io { path: "<socket>".into(), source })?;
    println!("postgresql://{bound}  (read-only; users from {})", options.users.display());
    tokio::spawn(refresh(warehouse, base, options.refresh_every));
    loop {
        match listener.accept().await {
            Ok((socket, _)) => {
                let handlers = Arc::clone(&handlers);
                tokio::spawn(async move {
                    // A client that disconnects mid-query ends only its own connection.
                    let _ = datafusion_postgres::pgwire::tokio::process_socket(socket, None, handlers).await;
                });
            }
            Err(e) => eprintln!("warning: cannot accept a connection: {e}"),
        }
    }
}

/// Re-registers tables whose Delta version changed, so loads and builds made while the server runs
/// are seen without a restart. Users' catalogs share the base catalog's schemas, so all see them.
async fn refresh(warehouse: Warehouse, base: SessionContext, every: Duration) {
    let mut seen: HashMap<String, i64> = HashMap::new();
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = warehouse.refresh(&base, &mut seen).await {
            eprintln!("warning: cannot refresh the warehouse's tables: {e}");
        }
    }
}

/// One user's view: a catalog holding only the granted schemas (shared with the base session, so
/// refreshed tables show), `pg_catalog` over it, and the parser and hooks that plan in it.
struct UserSession {
    user: UserEntry,
    ctx: Arc<SessionContext>,
    service: DfSessionService,
}

impl UserSession {
    async fn new(base: &SessionContext, name: &str, user: UserEntry) -> Result<Self> {
        let base_catalog = base.catalog("datafusion").expect("the default catalog exists");
        let catalog = MemoryCatalogProvider::new();
        for schema in base_catalog.schema_names() {
            if user.may_read(&schema)
                && let Some(provider) = base_catalog.schema(&schema)
            {
                catalog.register_schema(&schema, provider)?;
            }
        }
        for schema in &user.schemas {
            if schema != "*" && base_catalog.schema(schema).is_none() {
                eprintln!("warning: user `{name}` is granted schema `{schema}`, which the warehouse does not have");
            }
        }
        let catalogs = Arc::new(MemoryCatalogProviderList::new());
        datafusion::catalog::CatalogProviderList::register_catalog(catalogs.as_ref(), "datafusion".into(), Arc::new(catalog));
        let state = SessionStateBuilder::new_from_existing(base.state()).with_catalog_list(catalogs).build();
        let ctx = Arc::new(SessionContext::new_with_state(state));
        setup_pg_catalog(&ctx, "datafusion", EmptyContextProvider).map_err(|e| AppError::DataFusion(*e))?;
        describe_in_pg_catalog(&ctx).await?;
        let service = DfSessionService::new_with_hooks(Arc::clone(&ctx), hooks(&user));
        Ok(Self { user, ctx, service })
    }

    /// A service whose queries draw on their own memory pool, so one large query spills or fails alone.
    fn for_one_query(&self, memory_limit: usize) -> PgWireResult<DfSessionService> {
        let ctx = Warehouse::within_memory(&self.ctx, memory_limit, PoolSharing::Greedy).map_err(|e| PgWireError::ApiError(Box::new(e)))?;
        Ok(DfSessionService::new_with_hooks(Arc::new(ctx), hooks(&self.user)))
    }
}

/// Fills `pg_catalog.pg_description` with the docs of the user's tables and columns, so the comments
/// show in GUI tools' navigators (DBeaver joins pg_description to pg_class and pg_attribute).
async fn describe_in_pg_catalog(ctx: &SessionContext) -> Result<()> {
    let catalog = ctx.catalog("datafusion").expect("the default catalog exists");
    let Some(pg_catalog) = catalog.schema("pg_catalog") else { return Ok(()) };
    let Some(static_descriptions) = pg_catalog.table("pg_description").await? else { return Ok(()) };
    let target = static_descriptions.schema();
    // 1259 is pg_class's own oid: both table and column comments are attached to a pg_class row.
    let sql = "SELECT c.oid AS objoid, 1259 AS classoid, 0 AS objsubid, d.comment AS description \
               FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON c.relnamespace = n.oid \
               JOIN docs.tables d ON d.table_schema = n.nspname AND d.table_name = c.relname WHERE d.comment <> '' \
               UNION ALL \
               SELECT c.oid, 1259, a.attnum, d.comment \
               FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON a.attrelid = c.oid \
               JOIN pg_catalog.pg_namespace n ON c.relnamespace = n.oid \
               JOIN docs.columns d ON d.table_schema = n.nspname AND d.table_name = c.relname AND d.column_name = a.attname \
               WHERE d.comment <> ''";
    let mut batches = Vec::new();
    for batch in ctx.sql(sql).await?.collect().await? {
        let columns = batch
            .columns()
            .iter()
            .zip(target.fields())
            .map(|(column, field)| arrow::compute::cast(column, field.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        batches.push(arrow::array::RecordBatch::try_new(Arc::clone(&target), columns)?);
    }
    let descriptions = Arc::new(datafusion::datasource::MemTable::try_new(target, vec![batches])?);
    catalog.register_schema("pg_catalog", Arc::new(DescribedPgCatalog { inner: pg_catalog, descriptions }))?;
    Ok(())
}

/// `pg_catalog` with our `pg_description`; every other table is the library's.
#[derive(Debug)]
struct DescribedPgCatalog {
    inner: Arc<dyn SchemaProvider>,
    descriptions: Arc<dyn TableProvider>,
}

#[async_trait]
impl SchemaProvider for DescribedPgCatalog {
    fn table_names(&self) -> Vec<String> {
        self.inner.table_names()
    }

    async fn table(&self, name: &str) -> datafusion::error::Result<Option<Arc<dyn TableProvider>>> {
        if name == "pg_description" { Ok(Some(Arc::clone(&self.descriptions))) } else { self.inner.table(name).await }
    }

    fn table_exist(&self, name: &str) -> bool {
        self.inner.table_exist(name)
    }
}

fn hooks(user: &UserEntry) -> Vec<Arc<dyn QueryHook>> {
    vec![
        Arc::new(ReadOnlyHook { user: user.clone() }),
        Arc::new(datafusion_postgres::hooks::cursor::CursorStatementHook),
        Arc::new(datafusion_postgres::hooks::set_show::SetShowHook),
        Arc::new(datafusion_postgres::hooks::transactions::TransactionStatementHook),
    ]
}

fn user_error(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new("ERROR".into(), code.into(), message)))
}

/// Refuses every statement that could change anything, and reads of schemas not granted.
#[derive(Debug)]
struct ReadOnlyHook {
    user: UserEntry,
}

impl ReadOnlyHook {
    fn check(&self, statement: &Statement) -> PgWireResult<()> {
        match statement {
            Statement::Query(query) => {
                if writes_into(&query.body) {
                    return Err(refusal("SELECT INTO"));
                }
                self.check_grants(statement)
            }
            Statement::Explain { statement, .. } => self.check(statement),
            Statement::Declare { stmts } => {
                for declare in stmts {
                    if let Some(query) = &declare.for_query {
                        self.check(&Statement::Query(query.clone()))?;
                    }
                }
                Ok(())
            }
            Statement::Set(_)
            | Statement::ShowVariable { .. }
            | Statement::ShowVariables { .. }
            | Statement::ShowTables { .. }
            | Statement::ShowColumns { .. }
            | Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Fetch { .. }
            | Statement::Close { .. }
            | Statement::Discard { .. }
            | Statement::Deallocate { .. } => Ok(()),
            other => {
                let verb = other.to_string().split_whitespace().next().unwrap_or("this statement").to_uppercase();
                Err(refusal(&verb))
            }
        }
    }

    fn check_grants(&self, statement: &Statement) -> PgWireResult<()> {
        let wrapped = datafusion::sql::parser::Statement::Statement(Box::new(statement.clone()));
        let (tables, _ctes) =
            datafusion::sql::resolve::resolve_table_references(&wrapped, true).map_err(|e| PgWireError::ApiError(Box::new(e)))?;
        for table in tables {
            let schema = table.schema().unwrap_or("public");
            if !self.user.may_read(schema) {
                return Err(user_error(
                    "42501",
                    format!(
                        "permission denied for schema {schema}: this user may read {}; ask the warehouse's administrator for a grant",
                        self.user.schemas.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn refusal(verb: &str) -> PgWireError {
    user_error(
        "25006",
        format!("{verb} is refused: hrss serve is read-only; the warehouse changes only through `hrss ingest` and `hrss build`"),
    )
}

/// `SELECT ... INTO t` creates a table.
fn writes_into(body: &SetExpr) -> bool {
    match body {
        SetExpr::Select(select) => select.into.is_some(),
        SetExpr::Query(query) => writes_into(&query.body),
        SetExpr::SetOperation { left, right, .. } => writes_into(left) || writes_into(right),
        _ => false,
    }
}

#[async_trait]
impl QueryHook for ReadOnlyHook {
    async fn handle_simple_query(&self, statement: &Statement, _: &SessionContext, _: &mut dyn HookClient) -> Option<PgWireResult<Response>> {
        self.check(statement).err().map(Err)
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        _: &SessionContext,
        _: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        self.check(statement).err().map(Err)
    }

    async fn handle_extended_query(
        &self,
        statement: &Statement,
        plan: &LogicalPlan,
        _: &ParamValues,
        _: &SessionContext,
        _: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        if matches!(plan, LogicalPlan::Ddl(_) | LogicalPlan::Dml(_) | LogicalPlan::Copy(_)) {
            return Some(Err(refusal("this statement")));
        }
        self.check(statement).err().map(Err)
    }
}

/// The users' salted passwords, for SCRAM.
#[derive(Debug)]
struct UsersAuth {
    users: BTreeMap<String, UserEntry>,
}

#[async_trait]
impl AuthSource for UsersAuth {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let name = login.user().unwrap_or_default();
        let refused = || user_error("28P01", format!("password authentication failed for user \"{name}\""));
        let user = self.users.get(name).ok_or_else(refused)?;
        let salt = hex::decode(&user.salt).map_err(|_| refused())?;
        let salted = hex::decode(&user.salted_password).map_err(|_| refused())?;
        Ok(Password::new(Some(salt), salted))
    }
}

/// Routes each connection's queries to its user's session.
struct Service {
    sessions: Arc<HashMap<String, Arc<UserSession>>>,
    memory_limit: usize,
    timeout: Duration,
}

impl Service {
    fn session<C: ClientInfo + ?Sized>(&self, client: &C) -> PgWireResult<Arc<UserSession>> {
        let name = client.metadata().get("user").cloned().unwrap_or_default();
        self.sessions.get(&name).cloned().ok_or_else(|| user_error("28000", format!("no such user \"{name}\"")))
    }

    /// Ends a result's rows with "statement timeout" once the deadline passes; planning is timed by the caller.
    fn bounded(&self, response: Response, deadline: tokio::time::Instant) -> Response {
        let timeout = self.timeout;
        match response {
            Response::Query(query) => {
                let QueryResponse { command_tag, row_schema, data_rows, .. } = query;
                let rows = futures::stream::unfold(Some(data_rows), move |rows| async move {
                    let mut rows = rows?;
                    match tokio::time::timeout_at(deadline, rows.next()).await {
                        Ok(Some(row)) => Some((row, Some(rows))),
                        Ok(None) => None,
                        Err(_) => Some((Err(timed_out(timeout)), None)),
                    }
                });
                let mut bounded = QueryResponse::new(row_schema, rows);
                bounded.command_tag = command_tag;
                Response::Query(bounded)
            }
            other => other,
        }
    }
}

fn timed_out(timeout: Duration) -> PgWireError {
    user_error("57014", format!("canceling statement due to statement timeout ({} s)", timeout.as_secs()))
}

#[async_trait]
impl SimpleQueryHandler for Service {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let service = self.session(client)?.for_one_query(self.memory_limit)?;
        let responses = tokio::time::timeout_at(deadline, SimpleQueryHandler::do_query(&service, client, query)).await.map_err(|_| timed_out(self.timeout))??;
        Ok(responses.into_iter().map(|r| self.bounded(r, deadline)).collect())
    }
}

#[async_trait]
impl ExtendedQueryHandler for Service {
    type Statement = <DfSessionService as ExtendedQueryHandler>::Statement;
    type QueryParser = RoutingParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        Arc::new(RoutingParser { sessions: Arc::clone(&self.sessions) })
    }

    async fn do_query<C>(&self, client: &mut C, portal: &Portal<Self::Statement>, max_rows: usize) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let service = self.session(client)?.for_one_query(self.memory_limit)?;
        let response =
            tokio::time::timeout_at(deadline, ExtendedQueryHandler::do_query(&service, client, portal, max_rows)).await.map_err(|_| timed_out(self.timeout))??;
        Ok(self.bounded(response, deadline))
    }
}

/// Plans extended-protocol statements in the connecting user's catalog.
struct RoutingParser {
    sessions: Arc<HashMap<String, Arc<UserSession>>>,
}

impl RoutingParser {
    fn any(&self) -> PgWireResult<Arc<datafusion_postgres::Parser>> {
        // Describing a planned statement reads only its plan, not a catalog: any user's parser does.
        let session = self.sessions.values().next().ok_or_else(|| user_error("28000", "no users".into()))?;
        Ok(session.service.query_parser())
    }
}

#[async_trait]
impl QueryParser for RoutingParser {
    type Statement = <DfSessionService as ExtendedQueryHandler>::Statement;

    async fn parse_sql<C>(&self, client: &C, sql: &str, types: &[Option<Type>]) -> PgWireResult<Option<Self::Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let name = client.metadata().get("user").cloned().unwrap_or_default();
        let session = self.sessions.get(&name).ok_or_else(|| user_error("28000", format!("no such user \"{name}\"")))?;
        session.service.query_parser().parse_sql(client, sql, types).await
    }

    fn get_parameter_types(&self, statement: &Self::Statement) -> PgWireResult<Vec<Type>> {
        self.any()?.get_parameter_types(statement)
    }

    fn get_result_schema(&self, statement: &Self::Statement, format: Option<&Format>) -> PgWireResult<Vec<FieldInfo>> {
        self.any()?.get_result_schema(statement, format)
    }
}

/// The listener's handlers: SCRAM-SHA-256 at startup, then the routed query service.
struct Handlers {
    service: Arc<Service>,
    auth: Arc<UsersAuth>,
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        Arc::clone(&self.service)
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        Arc::clone(&self.service)
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        let mut scram = ScramAuth::new(Arc::clone(&self.auth) as Arc<dyn AuthSource>);
        scram.set_iterations(SCRAM_ITERATIONS);
        Arc::new(SASLAuthStartupHandler::new(Arc::new(DefaultServerParameterProvider::default())).with_scram(scram))
    }
}
