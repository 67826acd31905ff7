//! What SES says about mail after it left: a permanent bounce or a complaint suppresses the
//! address, so no more mail goes to it (S10's mail cannon would otherwise keep hitting a dead or
//! unwilling inbox, and SES suspends senders whose bounce or complaint rates climb). The delivery
//! flow dead-letters mail to a suppressed address instead of sending it; an administrator clears
//! the suppression from the user's card once the address works again. Addresses are kept as a
//! keyed digest, never as they are.

use super::Deps;
use crate::Result;
use crate::email::Email;
use crate::keys::Purpose;
use crate::model::AuditTarget;
use crate::ports::Store;
use serde_json::{Value, json};

/// The key an address is suppressed under.
pub fn address_key<S: Store + ?Sized>(deps: &Deps<S>, address: &str) -> String {
    let normalized = Email::parse("address", address).map(|e| e.normalized()).unwrap_or_else(|_| address.trim().to_lowercase());
    hex::encode(deps.key.sign(Purpose::Suppression, normalized.as_bytes()))
}

/// The addresses an SES event notification (as SES publishes it to SNS) says to stop mailing,
/// with the reason: every recipient of a permanent bounce, every complaining one. Transient
/// bounces (a full mailbox) and anything else say nothing.
pub fn addresses_to_suppress(notification: &Value) -> Vec<(String, &'static str)> {
    let kind = notification.get("eventType").or_else(|| notification.get("notificationType")).and_then(Value::as_str);
    let list = |v: &Value, field: &str| -> Vec<String> {
        v[field].as_array().into_iter().flatten().filter_map(|r| r["emailAddress"].as_str()).map(str::to_owned).collect()
    };
    match kind {
        Some("Bounce") if notification["bounce"]["bounceType"].as_str() == Some("Permanent") => {
            list(&notification["bounce"], "bouncedRecipients").into_iter().map(|a| (a, "bounce")).collect()
        }
        Some("Complaint") => list(&notification["complaint"], "complainedRecipients").into_iter().map(|a| (a, "complaint")).collect(),
        _ => vec![],
    }
}

/// Records one SES notification; answers how many addresses it suppressed.
pub async fn record<S: Store + ?Sized>(deps: &Deps<S>, notification: &Value) -> Result<usize> {
    let found = addresses_to_suppress(notification);
    for (address, reason) in &found {
        let key = address_key(deps, address);
        let audit = deps.event(None, "mail.address_suppressed", AuditTarget::Global, json!({ "reason": reason, "address_key": key }), None);
        deps.store.suppress_address(&key, reason, deps.now(), &audit).await?;
    }
    Ok(found.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanent_bounces_and_complaints_suppress_and_nothing_else_does() {
        let bounce = |t: &str| json!({ "eventType": "Bounce", "bounce": { "bounceType": t, "bouncedRecipients": [{ "emailAddress": "gone@example.com" }, { "emailAddress": "old@example.com" }] } });
        assert_eq!(
            addresses_to_suppress(&bounce("Permanent")),
            vec![("gone@example.com".to_owned(), "bounce"), ("old@example.com".to_owned(), "bounce")]
        );
        assert!(addresses_to_suppress(&bounce("Transient")).is_empty(), "a full mailbox is not for ever");
        let complaint =
            json!({ "notificationType": "Complaint", "complaint": { "complainedRecipients": [{ "emailAddress": "angry@example.com" }] } });
        assert_eq!(addresses_to_suppress(&complaint), vec![("angry@example.com".to_owned(), "complaint")]);
        assert!(addresses_to_suppress(&json!({ "eventType": "Delivery" })).is_empty());
        assert!(addresses_to_suppress(&json!("nonsense")).is_empty());
    }
}
