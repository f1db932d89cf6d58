//! The shell every page lives in: header, left menu of the modules that exist, notices.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use kaifaqu_domain::{FieldError, Permission, Role};

use crate::assets;
use crate::error::{AppError, AppResult};
use crate::extract::CurrentUser;
use crate::state::AppState;

pub struct MenuItem {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
}

pub struct MenuGroup {
    pub title: &'static str,
    pub items: Vec<MenuItem>,
}

/// What the base template needs.
pub struct Shell {
    pub css: &'static str,
    pub js: &'static str,
    pub zone_name: String,
    pub user_name: String,
    pub role: &'static str,
    pub csrf: String,
    pub menu: Vec<MenuGroup>,
    pub notice: Option<&'static str>,
    /// Unread notifications, shown in the header.
    pub unread: u64,
}

/// The menu for a role; `active` is the href of the current page.
fn menu(role: Role, active: &str) -> Vec<MenuGroup> {
    let item = |label, href: &'static str| MenuItem { label, href, active: href == active };
    let mut groups = vec![MenuGroup { title: "工作台", items: vec![item("首页", "/")] }];
    if role.is_city_level() {
        groups[0].items.push(item("全市指标对比", "/indicators/city"));
        groups[0].items.push(item("大屏", "/city/wall"));
    } else if role.has(Permission::Read) {
        groups[0].items.push(item("大屏", "/wall"));
    }
    if !role.is_city_level() && role.has(Permission::Read) {
        groups[0].items.push(item("附件资料", "/attachments"));
        groups.push(MenuGroup {
            title: "目标任务",
            items: vec![
                item("我的待办", "/todo"),
                item("年度目标", "/targets"),
                item("重点工作任务", "/tasks"),
                item("工作报告", "/reports"),
            ],
        });
        groups.push(MenuGroup {
            title: "经济运行",
            items: vec![
                item("指标概览", "/indicators"),
                item("月度填报", "/indicators/entry"),
                item("全市对比", "/indicators/city"),
                item("指标目标", "/indicators/targets"),
            ],
        });
        groups.push(MenuGroup {
            title: "安全生产",
            items: vec![
                item("隐患台账", "/safety/hazards"),
                item("入企检查", "/safety/inspections"),
                item("企业安全档案", "/safety/enterprises"),
                item("安全统计", "/safety/figures"),
            ],
        });
        groups.push(MenuGroup {
            title: "审批与土地",
            items: vec![
                item("审批权限清单", "/approvals/powers"),
                item("审批代办事项", "/approvals/cases"),
                item("承诺核查", "/approvals/commitments"),
                item("标准地", "/land/parcels"),
                item("闲置厂房", "/land/idle-plants"),
                item("亩均效益评价", "/per-mu"),
                item("审批与土地统计", "/services/figures"),
            ],
        });
        groups.push(MenuGroup {
            title: "招商与项目",
            items: vec![
                item("我的项目", "/my"),
                item("项目台账", "/projects"),
                item("项目看板", "/projects/board"),
                item("项目谋划表", "/plan"),
                item("对接记录", "/contacts"),
                item("问题台账", "/problems"),
                item("调度会", "/meetings"),
                item("企业", "/enterprises"),
                item("招商统计", "/figures"),
            ],
        });
    }
    if role.has(Permission::Administer) {
        groups.push(MenuGroup {
            title: "系统管理",
            items: vec![
                item("开发区信息", "/admin/zone"),
                item("科室", "/admin/departments"),
                item("人员信息", "/admin/people"),
                item("字典", "/admin/dictionaries"),
                item("指标目录", "/admin/indicators"),
                item("安全检查设置", "/admin/safety"),
                item("工作日历", "/admin/calendar"),
            ],
        });
    }
    // 三员: accounts are the security admin's, the audit log the auditor's.
    if role.has(Permission::ManageSecurity) {
        groups.push(MenuGroup { title: "安全管理", items: vec![item("用户", "/admin/users")] });
    }
    if role.has(Permission::ReadAudit) {
        groups.push(MenuGroup { title: "审计管理", items: vec![item("审计日志", "/admin/audit")] });
    }
    groups.push(MenuGroup {
        title: "个人", items: vec![item("通知", "/notifications"), item("我的账号", "/account")]
    });
    groups
}

/// Notices shown after a redirect (`?done=…`).
pub fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "created" => "已新增。",
        "saved" => "已保存。",
        "deleted" => "已删除。",
        "password" => "密码已修改。",
        "revoked" => "令牌已吊销。",
        "totp" => "动态口令已启用：今后登录时还需输入手机验证器上的 6 位数字。",
        "imported" => "已导入。",
        "uploaded" => "文件已上传。",
        _ => return None,
    })
}

impl Shell {
    pub async fn load(state: &AppState, user: &CurrentUser, active: &str, done: Option<&str>) -> AppResult<Shell> {
        let zone_name = match user.user.zone_id {
            Some(z) => kaifaqu_store::zones::get(&state.db, &user.actor().scope(), z).await?.name,
            None => {
                // the city's name, from its zones (the code when it has none)
                let zones = kaifaqu_store::zones::list(&state.db, &user.actor().scope()).await?;
                let name = zones.first().map(|z| z.city_name.clone());
                format!("{}（市级）", name.as_deref().or(user.user.city_code.as_deref()).unwrap_or(""))
            }
        };
        Ok(Shell {
            css: assets::css_path(),
            js: assets::js_path(),
            zone_name,
            user_name: user.user.display_name.clone(),
            role: user.user.role.label(),
            csrf: user.csrf().to_string(),
            menu: menu(user.user.role, active),
            notice: notice(done),
            unread: kaifaqu_store::notifications::unread_count(&state.db, &user.actor()).await?,
        })
    }
}

/// Renders a template into an HTML response.
pub fn html<T: Template>(t: &T) -> AppResult<Response> {
    t.render().map(|s| Html(s).into_response()).map_err(|e| AppError::Internal(format!("模板渲染失败：{e}")))
}

/// The page of an error (no menu: it must render even when the database is down).
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: String,
    pub message: String,
    pub request_id: String,
    pub errors: Vec<FieldError>,
}

impl ErrorPage {
    pub fn render_html(&self) -> Html<String> {
        Html(self.render().unwrap_or_else(|_| format!("<h1>{}</h1><p>{}</p>", self.status, self.message)))
    }

    pub fn css(&self) -> &'static str {
        assets::css_path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn city_users_see_no_zone_modules_and_no_admin() {
        let m = menu(Role::City, "/");
        let hrefs: Vec<&str> = m.iter().flat_map(|g| g.items.iter().map(|i| i.href)).collect();
        assert_eq!(hrefs, ["/", "/indicators/city", "/city/wall", "/notifications", "/account"]);
    }

    #[test]
    fn only_city_users_reach_the_city_view() {
        let hrefs = |r: Role| -> Vec<&str> { menu(r, "/").into_iter().flat_map(|g| g.items).map(|i| i.href).collect() };
        for r in [Role::Leader, Role::Admin, Role::Staff, Role::Viewer] {
            assert!(!hrefs(r).contains(&"/city") && hrefs(r).contains(&"/wall"), "{r:?}");
        }
    }

    #[test]
    fn admin_menu_marks_the_active_page() {
        let m = menu(Role::SecurityAdmin, "/admin/users");
        let active: Vec<&str> = m.iter().flat_map(|g| g.items.iter().filter(|i| i.active).map(|i| i.label)).collect();
        assert_eq!(active, ["用户"]);
    }
}
