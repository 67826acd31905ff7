//! Bringing users in, apart from `POST /api/users` so that creating one user links neither the
//! spreadsheet reader nor a storage client:
//! `POST /api/users/import`: a Django dump as `application/json` (options in the query string:
//! `dry_run`, `keep_superusers`, `company_id`), answered with the report; or a spreadsheet
//! (`text/csv`, .xlsx read with calamine) of users to create, row by row (options `dry_run`,
//! `send_links`, `apply_role_groups`).
//! `POST /api/users/import/uploads` and `GET /api/users/import/jobs/{id}`: a file too large for a
//! request body goes to storage by a presigned PUT and is imported as a job (`import-job`).

use secboard_blobs::S3Blobs;
use secboard_domain::flows::import_django::{self, ImportOptions};
use secboard_domain::flows::import_job;
use secboard_domain::flows::import_sheet::{self, SheetOptions};
use secboard_http::routes::Function;
use secboard_http::{Body, Request, Response, json};
use secboard_wiring::App;

pub mod sheet;

pub type Context = secboard_http::Context<App<S3Blobs>>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.signed_in(req, Function::ImportUsers, |call, p| async move {
        let app = &ctx.app;
        match call.key() {
            "POST /api/users/import/uploads" => json(201, &import_job::start(&app.deps, &app.blobs, &p, call.json()?).await?),
            "GET /api/users/import/jobs/{id}" => json(200, &import_job::view(&app.deps, &app.blobs, &p, call.param("id")).await?),
            _ => {
                let options = ImportOptions {
                    dry_run: call.flag("dry_run")?,
                    keep_superusers: call.flag("keep_superusers")?,
                    company_id: call.query("company_id").map(str::to_owned),
                };
                if call.media_type == "application/json" {
                    return json(200, &import_django::import_django_api(&app.deps, &p, call.bytes(), options).await?);
                }
                let sheet = SheetOptions {
                    dry_run: options.dry_run,
                    send_links: call.flag("send_links")?,
                    apply_role_groups: call.flag("apply_role_groups")?,
                    ..SheetOptions::default()
                };
                let bytes = call.bytes();
                let rows = if call.media_type == "text/csv" { import_sheet::parse_csv(&bytes)? } else { sheet::xlsx_rows(&bytes)? };
                json(200, &import_sheet::import_rows(&app.deps, &app.mail, &p, rows, sheet).await?)
            }
        }
    })
    .await
}
