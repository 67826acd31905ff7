//! Import jobs (`ImportJobStore`): one item per job in its owner's partition (so deleting the user
//! takes their jobs with it), its status kept as an attribute that guards each move: a job is
//! claimed (waiting to running) by exactly one run, however often storage announces its file.

use super::{DynamoStore, conv, s, sdk};
use crate::items::*;
use async_trait::async_trait;
use secboard_domain::ids::UserId;
use secboard_domain::model::{ImportJob, ImportJobStatus};
use secboard_domain::ports::ImportJobStore;
use secboard_domain::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The stored job: its status as an attribute (for conditions), the rest as the job's JSON, and
/// the table's TTL attribute from the job's `keep_until`, so jobs whose file never came, or whose
/// run died, are deleted whether or not anyone looks at them again.
#[derive(Serialize, Deserialize)]
struct DbImportJobV1 {
    pk: String,
    sk: String,
    status: String,
    job: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ttl: Option<i64>,
}

fn job_sk(id: &str) -> String {
    format!("IMPORTJOB#{id}")
}

fn status_name(s: ImportJobStatus) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[async_trait]
impl ImportJobStore for DynamoStore {
    async fn save_job(&self, job: &ImportJob, expected: Option<ImportJobStatus>) -> Result<bool> {
        let db = DbImportJobV1 {
            pk: user_pk(&job.owner),
            sk: job_sk(&job.id),
            status: status_name(job.status),
            job: serde_json::to_string(job).map_err(Error::unexpected)?,
            ttl: job.keep_until.map(|t| t.as_second()),
        };
        let item = to_item(&db).map_err(conv)?;
        let mut put = self.client.put_item().table_name(&self.table).set_item(Some(item));
        put = match expected {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(st) => put
                .condition_expression("#s = :s")
                .set_expression_attribute_names(Some(HashMap::from([("#s".to_owned(), "status".to_owned())])))
                .set_expression_attribute_values(Some(HashMap::from([(":s".to_owned(), s(status_name(st)))]))),
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(sdk("save import job")(e)),
        }
    }

    async fn get_job(&self, owner: &UserId, id: &str) -> Result<Option<ImportJob>> {
        let Some(item) = self.get(user_pk(owner), &job_sk(id)).await? else { return Ok(None) };
        let db: DbImportJobV1 = from_item(item).map_err(conv)?;
        serde_json::from_str(&db.job).map(Some).map_err(Error::unexpected)
    }
}
