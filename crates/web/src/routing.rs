//! The registration table: every route is declared with the methods it answers and what each
//! needs (`Need`: public, any signed-in user, or a permission), and the declaration is both
//! recorded (for the permission-matrix tests and the 权限矩阵 page) and enforced — a route layer
//! checks the signed-in user's role before the handler runs. Handlers keep their own finer
//! checks (own zone, own department, the record's state).
//!
//! Features write `Routes::new().route("/x", get(Need::READ, list).post(Need::WRITE, create))`
//! with this module's `get`/`post`/`put`/`delete` instead of axum's.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use kaifaqu_domain::{Permission, Role};

use crate::error::AppError;
use crate::extract::CurrentUser;
use crate::state::AppState;

/// What a route needs from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone, signed in or not (the reviewed allow-list: login, health, static files, the
    /// OpenAPI document).
    Public,
    /// Any signed-in user, whatever the role (their own account, notifications, logout).
    SignedIn,
    /// A signed-in user whose role has the permission.
    Perm(Permission),
}

impl Need {
    pub const READ: Need = Need::Perm(Permission::Read);
    pub const WRITE: Need = Need::Perm(Permission::Write);
    pub const ADMIN: Need = Need::Perm(Permission::Administer);
    pub const AUDIT: Need = Need::Perm(Permission::ReadAudit);
    pub const SECURITY: Need = Need::Perm(Permission::ManageSecurity);

    /// Whether a signed-in user of this role passes.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Need::Public | Need::SignedIn => true,
            Need::Perm(p) => role.has(p),
        }
    }

    /// The Chinese label (for the 权限矩阵 page).
    pub fn label(self) -> &'static str {
        match self {
            Need::Public => "无需登录",
            Need::SignedIn => "登录即可",
            Need::Perm(p) => p.label(),
        }
    }
}

/// One registered (method, path) and what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub method: Method,
    pub path: String,
    pub need: Need,
}

impl Registered {
    /// Whether the route changes state (needs a CSRF token with a session).
    pub fn is_write(&self) -> bool {
        !matches!(self.method, Method::GET | Method::HEAD | Method::OPTIONS)
    }
}

/// The route layer that enforces a `Need` before the handler runs.
async fn enforce(State(need): State<Need>, req: Request, next: Next) -> Response {
    if need == Need::Public {
        return next.run(req).await;
    }
    let role = match req.extensions().get::<Option<CurrentUser>>() {
        Some(Some(u)) => u.user.role,
        _ => return AppError::Unauthorized.into_response(),
    };
    match need {
        Need::Perm(p) if !role.has(p) => {
            AppError::Forbidden(format!("您的角色（{}）没有“{}”权限", role.label(), p.label())).into_response()
        }
        _ => next.run(req).await,
    }
}

/// The methods of one path, each with its need.
pub struct Endpoint {
    router: MethodRouter<AppState>,
    entries: Vec<(Method, Need)>,
}

impl Endpoint {
    fn new() -> Self {
        Endpoint { router: MethodRouter::new(), entries: Vec::new() }
    }

    fn add(mut self, method: Method, need: Need, mr: MethodRouter<AppState>) -> Self {
        let mr = mr.route_layer(axum::middleware::from_fn_with_state(need, enforce));
        self.router = self.router.merge(mr);
        self.entries.push((method, need));
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, need: Need, h: H) -> Self {
        self.add(Method::GET, need, axum::routing::get(h))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, need: Need, h: H) -> Self {
        self.add(Method::POST, need, axum::routing::post(h))
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(self, need: Need, h: H) -> Self {
        self.add(Method::PUT, need, axum::routing::put(h))
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(self, need: Need, h: H) -> Self {
        self.add(Method::DELETE, need, axum::routing::delete(h))
    }

    /// A larger body limit for the endpoint's methods (uploads).
    pub fn layer(mut self, limit: DefaultBodyLimit) -> Self {
        self.router = self.router.layer(limit);
        self
    }
}

pub fn get<H: Handler<T, AppState>, T: 'static>(need: Need, h: H) -> Endpoint {
    Endpoint::new().get(need, h)
}

pub fn post<H: Handler<T, AppState>, T: 'static>(need: Need, h: H) -> Endpoint {
    Endpoint::new().post(need, h)
}

pub fn put<H: Handler<T, AppState>, T: 'static>(need: Need, h: H) -> Endpoint {
    Endpoint::new().put(need, h)
}

/// A router and the table of what it registered.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<Registered>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Routes { router: Router::new(), table: Vec::new() }
    }

    pub fn route(mut self, path: &str, e: Endpoint) -> Self {
        self.table.extend(e.entries.into_iter().map(|(method, need)| Registered { method, path: path.into(), need }));
        self.router = self.router.route(path, e.router);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.table.extend(other.table);
        self.router = self.router.merge(other.router);
        self
    }

    pub fn nest(mut self, prefix: &str, other: Routes) -> Self {
        self.table.extend(other.table.into_iter().map(|r| Registered { path: format!("{prefix}{}", r.path), ..r }));
        self.router = self.router.nest(prefix, other.router);
        self
    }

    pub fn table(&self) -> &[Registered] {
        &self.table
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_follow_the_roles() {
        assert!(Need::Public.allows(Role::Viewer));
        assert!(Need::SignedIn.allows(Role::AuditAdmin));
        assert!(!Need::WRITE.allows(Role::Viewer));
        assert!(!Need::READ.allows(Role::AuditAdmin));
        assert!(Need::AUDIT.allows(Role::AuditAdmin));
        assert!(!Need::AUDIT.allows(Role::Admin));
    }
}
