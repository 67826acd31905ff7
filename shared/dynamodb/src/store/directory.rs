//! The directory listing (`DirectoryStore`): one Query page of the company's users (`gsi1`) or of
//! all users (`gsi2`), sorted by name, filtered in the store. Never a Scan.

use super::{DynamoStore, conv, s, sdk};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use jiff::civil::Date;
use secboard_domain::activation::Employment;
use secboard_domain::filter::{StartKey, Status, UserFilter};
use secboard_domain::ids::CompanyId;
use secboard_domain::ports::{DirectoryStore, Listed, Page};
use secboard_domain::{Error, Result};
use std::collections::HashMap;

#[async_trait]
impl DirectoryStore for DynamoStore {
    async fn list_users(
        &self,
        company: Option<&CompanyId>,
        filter: &UserFilter,
        today: Date,
        start: Option<StartKey>,
        limit: usize,
    ) -> Result<Page<Listed>> {
        let (index, pk_attr, pk) = match company {
            Some(c) => ("gsi1", "gsi1pk", company_users_pk(c)),
            None => ("gsi2", "gsi2pk", ALL_USERS_PK.to_owned()),
        };
        let mut values: HashMap<String, AttributeValue> = HashMap::from([(":pk".to_owned(), s(pk))]);
        let mut names: HashMap<String, String> = HashMap::new();
        let mut conds: Vec<String> = vec![];
        let tday = s(today.to_string());
        if let Some(q) = &filter.search {
            values.insert(":q".into(), s(q.clone()));
            conds.push("(contains(#search, :q) OR contains(email_lc, :q))".into());
            names.insert("#search".into(), "search".into());
        }
        let mut eq = |attr: &str, v: &str, key: &str| {
            values.insert(key.into(), s(v));
            conds.push(format!("{attr} = {key}"));
        };
        if let Some(d) = &filter.department {
            eq("department_id", d.as_str(), ":dep");
        }
        if let Some(p) = &filter.position {
            eq("position_id", p.as_str(), ":pos");
        }
        let mut contains = |attr: &str, v: &str, key: &str| {
            values.insert(key.into(), s(v));
            conds.push(format!("contains({attr}, {key})"));
        };
        if let Some(g) = &filter.group {
            contains("group_ids", g.as_str(), ":grp");
        }
        if let Some(r) = &filter.role {
            contains("role_ids", r.as_str(), ":role");
        }
        if let Some(q) = &filter.quiz {
            contains("quiz_ids", q.as_str(), ":quiz");
        }
        if let Some(st) = filter.status {
            let (attr, v) = match st {
                Status::Active => ("active", true),
                Status::Inactive => ("active", false),
                Status::ProfileCompleted => ("completed", true),
                Status::Staff => ("staff", true),
            };
            values.insert(":st".into(), AttributeValue::Bool(v));
            conds.push(format!("{attr} = :st"));
        }
        if let Some(e) = filter.employment {
            if e != Employment::NoDates {
                values.insert(":today".into(), tday.clone());
            }
            conds.push(
                match e {
                    Employment::NoDates => "attribute_not_exists(start_date) AND attribute_not_exists(end_date)",
                    Employment::Future => "start_date > :today",
                    Employment::Past => "end_date < :today",
                    Employment::CurrentlyActive => {
                        "(attribute_exists(start_date) OR attribute_exists(end_date)) AND (attribute_not_exists(start_date) OR start_date <= :today) AND (attribute_not_exists(end_date) OR end_date >= :today)"
                    }
                }
                .to_owned(),
            );
        }
        if let Some(to) = filter.date_to {
            values.insert(":dto".into(), s(to.to_string()));
            conds.push("(attribute_not_exists(start_date) OR start_date <= :dto)".into());
        }
        if let Some(from) = filter.date_from {
            values.insert(":dfrom".into(), s(from.to_string()));
            conds.push("(attribute_not_exists(end_date) OR end_date >= :dfrom)".into());
        }
        let resumed = start.is_some();
        let start_key = start.map(|k| k.into_iter().map(|(k, v)| (k, s(v))).collect::<HashMap<_, _>>());
        let r = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(format!("{pk_attr} = :pk"))
            .set_filter_expression((!conds.is_empty()).then(|| conds.join(" AND ")))
            .set_expression_attribute_names((!names.is_empty()).then_some(names))
            .set_expression_attribute_values(Some(values))
            .set_exclusive_start_key(start_key)
            .limit(limit as i32)
            .select(Select::AllAttributes)
            .send()
            .await
            .map_err(|e| {
                // A start key the index does not know (a forged or foreign cursor).
                if resumed && e.as_service_error().and_then(|s| s.code()) == Some("ValidationException") {
                    Error::invalid("cursor", "is not a cursor of this listing")
                } else {
                    sdk("list users")(e)
                }
            })?;
        let items_read = r.scanned_count.max(r.count).max(0) as usize;
        let next =
            r.last_evaluated_key.map(|k| k.into_iter().filter_map(|(k, v)| v.as_s().ok().map(|v| (k, v.clone()))).collect::<StartKey>());
        let items = r
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|i| from_item::<DbProfileV1>(i).map(DbProfileV1::into_listed).map_err(conv))
            .collect::<Result<_>>()?;
        Ok(Page { items, next, items_read })
    }
}
