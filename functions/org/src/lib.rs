//! The organisation (`/api/org/...`): companies; per company its departments, positions, platform
//! roles, quizzes, access groups and cabinet settings; global access groups.

use secboard_domain::flows::org;
use secboard_domain::ids::{CompanyId, GroupId, OrgItemId};
use secboard_domain::model::ItemKind;
use secboard_http::routes::Function;
use secboard_http::{Body, Call, Problem, Request, Response, json, no_content};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

fn not_found(what: &'static str) -> impl Fn(secboard_domain::Error) -> Problem {
    move |_| Problem::from(secboard_domain::Error::NotFound(what))
}

/// `{kind}` is either `groups` or one of the item kinds; `None` means groups.
fn kind_of(call: &Call) -> Result<Option<ItemKind>, Problem> {
    match call.param("kind") {
        "groups" => Ok(None),
        k => Ok(Some(org::parse_kind(k)?)),
    }
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.signed_in(req, Function::Org, |call, p| async move {
        let d = &ctx.app.deps;
        // Ids in paths name something to find: a malformed one is simply not there.
        let company = || CompanyId::parse("company_id", call.param("company_id")).map_err(not_found("company"));
        let item_id = || OrgItemId::parse("id", call.param("id")).map_err(not_found("organisation item"));
        let group_id = || GroupId::parse("id", call.param("id")).map_err(not_found("access group"));
        match call.key() {
            "GET /api/org/companies" => json(200, &org::list_companies(d, &p).await?),
            "POST /api/org/companies" => json(201, &org::create_company(d, &p, call.json()?).await?),
            "GET /api/org/companies/{company_id}" => json(200, &org::get_company(d, &p, &company()?).await?),
            "PATCH /api/org/companies/{company_id}" => json(200, &org::rename_company(d, &p, &company()?, call.json()?).await?),
            "DELETE /api/org/companies/{company_id}" => {
                org::delete_company(d, &p, &company()?).await?;
                no_content()
            }
            "GET /api/org/companies/{company_id}/settings" => json(200, &org::get_settings(d, &p, &company()?).await?),
            "PUT /api/org/companies/{company_id}/settings" => json(200, &org::put_settings(d, &p, &company()?, call.json()?).await?),
            "GET /api/org/companies/{company_id}/{kind}" => match kind_of(&call)? {
                None => json(200, &org::list_groups(d, &p, Some(&company()?)).await?),
                Some(k) => json(200, &org::list_items(d, &p, &company()?, k).await?),
            },
            "POST /api/org/companies/{company_id}/{kind}" => match kind_of(&call)? {
                None => json(201, &org::create_group(d, &p, Some(&company()?), call.json()?).await?),
                Some(k) => json(201, &org::create_item(d, &p, &company()?, k, call.json()?).await?),
            },
            "PATCH /api/org/companies/{company_id}/{kind}/{id}" => match kind_of(&call)? {
                None => json(200, &org::update_group(d, &p, Some(&company()?), &group_id()?, call.json()?).await?),
                Some(k) => json(200, &org::update_item(d, &p, &company()?, k, &item_id()?, call.json()?).await?),
            },
            "DELETE /api/org/companies/{company_id}/{kind}/{id}" => {
                match kind_of(&call)? {
                    None => org::delete_group(d, &p, Some(&company()?), &group_id()?).await?,
                    Some(k) => org::delete_item(d, &p, &company()?, k, &item_id()?).await?,
                }
                no_content()
            }
            "GET /api/org/groups" => json(200, &org::list_groups(d, &p, None).await?),
            "POST /api/org/groups" => json(201, &org::create_group(d, &p, None, call.json()?).await?),
            "PATCH /api/org/groups/{id}" => json(200, &org::update_group(d, &p, None, &group_id()?, call.json()?).await?),
            "DELETE /api/org/groups/{id}" => {
                org::delete_group(d, &p, None, &group_id()?).await?;
                no_content()
            }
            _ => Err(Problem::not_found()),
        }
    })
    .await
}
