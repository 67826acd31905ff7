//! The directory listing (`DirectoryStore`): one Query page of the company's users (`gsi1`) or of
//! all users (`gsi2`), sorted by name, filtered in the store. Never a Scan.

use super::{DynamoStore, conv, s, sdk};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use jiff::civil::Date;
use secboard_domain::activation::{Cond, DateField, Employment, Op, Operand, overlaps};
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
        // The activity-range rules as the domain states them, rendered into the filter.
        let ranges = filter.employment.map(Employment::condition).into_iter().chain(overlaps(filter.date_from, filter.date_to));
        let mut render = Render { today, names: &mut names, values: &mut values, next: 0 };
        for c in ranges {
            conds.push(render.expression(&c));
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
        let items =
            r.items.unwrap_or_default().into_iter().map(|i| DbProfileV1::listed_from_item(i).map_err(conv)).collect::<Result<_>>()?;
        Ok(Page { items, next, items_read })
    }
}

/// Renders an activity-range condition of the domain into a filter expression, adding the
/// attribute names and values it uses (placeholders `#c<n>` and `:c<n>`, one per distinct name
/// or value, so they never clash with the listing's own).
struct Render<'a> {
    today: Date,
    names: &'a mut HashMap<String, String>,
    values: &'a mut HashMap<String, AttributeValue>,
    next: usize,
}

impl Render<'_> {
    /// The expression, safe to join with others by `AND`.
    fn expression(&mut self, c: &Cond) -> String {
        let e = self.render(c);
        if matches!(c, Cond::Or(_)) { format!("({e})") } else { e }
    }

    fn render(&mut self, c: &Cond) -> String {
        match c {
            Cond::Exists(f) => format!("attribute_exists({})", self.name(*f)),
            Cond::Not(inner) => match inner.as_ref() {
                Cond::Exists(f) => format!("attribute_not_exists({})", self.name(*f)),
                other => format!("NOT ({})", self.render(other)),
            },
            Cond::Cmp(f, op, operand) => {
                let op = match op {
                    Op::Lt => "<",
                    Op::Le => "<=",
                    Op::Gt => ">",
                    Op::Ge => ">=",
                };
                format!("{} {op} {}", self.name(*f), self.value(*operand))
            }
            Cond::And(all) => self.join(all, " AND "),
            Cond::Or(any) => self.join(any, " OR "),
        }
    }

    fn join(&mut self, parts: &[Cond], by: &str) -> String {
        let parts: Vec<String> = parts
            .iter()
            .map(|p| match p {
                Cond::And(_) | Cond::Or(_) => format!("({})", self.render(p)),
                _ => self.render(p),
            })
            .collect();
        parts.join(by)
    }

    fn name(&mut self, f: DateField) -> String {
        let attr = match f {
            DateField::StartDate => "start_date",
            DateField::EndDate => "end_date",
        };
        if let Some((placeholder, _)) = self.names.iter().find(|(k, v)| k.starts_with("#c") && *v == attr) {
            return placeholder.clone();
        }
        let placeholder = format!("#c{}", self.next);
        self.next += 1;
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    fn value(&mut self, operand: Operand) -> String {
        // Dates are kept as ISO strings, which compare in date order.
        let v = s(match operand {
            Operand::Today => self.today,
            Operand::Date(d) => d,
        }
        .to_string());
        if let Some((placeholder, _)) = self.values.iter().find(|(k, existing)| k.starts_with(":c") && **existing == v) {
            return placeholder.clone();
        }
        let placeholder = format!(":c{}", self.next);
        self.next += 1;
        self.values.insert(placeholder.clone(), v);
        placeholder
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn rendered(c: &Cond) -> (String, HashMap<String, String>, HashMap<String, AttributeValue>) {
        let (mut names, mut values) = (HashMap::new(), HashMap::new());
        let e = Render { today: date(2026, 6, 15), names: &mut names, values: &mut values, next: 0 }.expression(c);
        (e, names, values)
    }

    #[test]
    fn the_employment_rule_renders_into_a_filter_with_generated_placeholders() {
        let (e, names, values) = rendered(&Employment::CurrentlyActive.condition());
        assert_eq!(
            e,
            "(attribute_exists(#c0) OR attribute_exists(#c1)) AND (attribute_not_exists(#c0) OR #c0 <= :c2) \
             AND (attribute_not_exists(#c1) OR #c1 >= :c2)"
        );
        assert_eq!(names, HashMap::from([("#c0".into(), "start_date".into()), ("#c1".into(), "end_date".into())]));
        assert_eq!(values, HashMap::from([(":c2".into(), s("2026-06-15"))]));

        let (e, _, values) = rendered(&Employment::NoDates.condition());
        assert_eq!(e, "attribute_not_exists(#c0) AND attribute_not_exists(#c1)");
        assert!(values.is_empty(), "no value a filter does not use (DynamoDB refuses those)");
        assert_eq!(rendered(&Employment::Future.condition()).0, "#c0 > :c1");
    }

    #[test]
    fn an_or_is_parenthesised_and_a_general_not_too() {
        let c =
            Cond::Or(vec![Cond::Exists(DateField::EndDate), Cond::Not(Box::new(Cond::Cmp(DateField::EndDate, Op::Lt, Operand::Today)))]);
        assert_eq!(rendered(&c).0, "(attribute_exists(#c0) OR NOT (#c0 < :c1))");
    }

    #[test]
    fn the_overlap_filter_renders_each_bound_with_its_own_date() {
        let c = overlaps(Some(date(2026, 1, 1)), Some(date(2026, 12, 31))).unwrap();
        let (e, _, values) = rendered(&c);
        assert_eq!(e, "(attribute_not_exists(#c0) OR #c0 <= :c1) AND (attribute_not_exists(#c2) OR #c2 >= :c3)");
        assert_eq!(values[":c1"], s("2026-12-31"));
        assert_eq!(values[":c3"], s("2026-01-01"));
    }
}
