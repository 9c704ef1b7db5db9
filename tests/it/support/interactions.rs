//! Real-shaped Discord interaction payloads (API v10), built as JSON and
//! parsed into serenity's `Interaction` exactly as a transport would.

#![allow(dead_code)]

use serde_json::{json, Value};
use serenity::model::application::Interaction;

pub const APP: &str = "1190000000000000001";
pub const GUILD: &str = "1190000000000000100";
pub const CHANNEL: &str = "1190000000000000200";
pub const ASKER: u64 = 1190000000000000500;
pub const OTHER: u64 = 1190000000000000501;
pub const MOD_ROLE: u64 = 1190000000000000900;
/// View channel, send messages, embed links, read history, use application commands.
pub const MEMBER_PERMS: &str = "2147568640";
/// The same plus Manage Server.
pub const MANAGER_PERMS: &str = "2147568672";

pub fn user(id: u64) -> Value {
    json!({
        "id": id.to_string(), "username": format!("user{id}"), "discriminator": "0",
        "global_name": "Member", "avatar": null, "public_flags": 0,
        "avatar_decoration_data": null, "clan": null
    })
}

pub fn member(id: u64, permissions: &str, roles: &[u64]) -> Value {
    json!({
        "user": user(id), "nick": null, "avatar": null, "banner": null,
        "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        "joined_at": "2024-01-01T00:00:00.000000+00:00", "premium_since": null,
        "deaf": false, "mute": false, "flags": 0, "pending": false,
        "permissions": permissions, "communication_disabled_until": null,
        "unusual_dm_activity_until": null
    })
}

/// Where an interaction happens and who sends it.
pub struct Sender {
    pub user: u64,
    pub permissions: &'static str,
    pub roles: Vec<u64>,
    pub in_guild: bool,
}

impl Sender {
    pub fn member() -> Self {
        Sender {
            user: ASKER,
            permissions: MEMBER_PERMS,
            roles: vec![],
            in_guild: true,
        }
    }
    pub fn manager() -> Self {
        Sender {
            permissions: MANAGER_PERMS,
            ..Sender::member()
        }
    }
    pub fn moderator_role() -> Self {
        Sender {
            roles: vec![MOD_ROLE],
            ..Sender::member()
        }
    }
    /// A member who is not the asker.
    pub fn bystander() -> Self {
        Sender::member().by(OTHER)
    }
    /// The same sender, as another user.
    pub fn by(self, user: u64) -> Self {
        Sender { user, ..self }
    }
    pub fn dm() -> Self {
        Sender {
            in_guild: false,
            ..Sender::manager()
        }
    }
}

/// A fresh interaction id: Discord never sends the same interaction twice
/// (and the HTTP endpoint refuses replays).
pub fn next_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1_190_000_000_000_400_000);
    NEXT.fetch_add(1, Ordering::Relaxed).to_string()
}

fn envelope(kind: u8, data: Value, sender: &Sender) -> Value {
    let mut v = json!({
        "id": next_id(), "application_id": APP, "type": kind, "data": data,
        "channel_id": CHANNEL,
        "channel": { "id": CHANNEL, "type": 0, "name": "careers", "guild_id": GUILD, "flags": 0,
                     "nsfw": false, "parent_id": null, "position": 0, "permissions": sender.permissions,
                     "rate_limit_per_user": 0, "topic": null, "last_message_id": null },
        "token": "aW50ZXJhY3Rpb246dGVzdDp0b2tlbg", "version": 1,
        "app_permissions": "2248473465835073", "locale": "en-US",
        "entitlements": [], "entitlement_sku_ids": [],
        "authorizing_integration_owners": { "0": GUILD },
        "context": 0, "attachment_size_limit": 10485760
    });
    if sender.in_guild {
        v["guild_id"] = json!(GUILD);
        v["guild_locale"] = json!("en-US");
        v["guild"] = json!({ "id": GUILD, "locale": "en-US", "features": [] });
        v["member"] = member(sender.user, sender.permissions, &sender.roles);
    } else {
        v["user"] = user(sender.user);
        v["context"] = json!(1);
        v["channel"] = json!({ "id": CHANNEL, "type": 1, "flags": 0, "last_message_id": null, "recipients": [user(sender.user)] });
        v["authorizing_integration_owners"] = json!({ "0": "0" });
    }
    v
}

/// A slash command (type 2) with string/bool options.
pub fn command(name: &str, options: Value, sender: &Sender) -> Value {
    envelope(
        2,
        json!({ "id": "1190000000000000300", "name": name, "type": 1, "options": options }),
        sender,
    )
}

/// `/ask question:... [private:...]`.
pub fn ask(question: &str, private: Option<bool>) -> Value {
    let mut options = vec![json!({ "name": "question", "type": 3, "value": question })];
    if let Some(p) = private {
        options.push(json!({ "name": "private", "type": 5, "value": p }));
    }
    command("ask", Value::Array(options), &Sender::member())
}

/// Autocomplete (type 4) of a command's focused string option.
pub fn autocomplete(name: &str, option: &str, typed: &str) -> Value {
    let data = json!({ "id": "1190000000000000300", "name": name, "type": 1,
                       "options": [{ "name": option, "type": 3, "value": typed, "focused": true }] });
    envelope(4, data, &Sender::member())
}

/// A message as Discord sends it inside interactions.
pub fn message(id: &str, author: u64, content: &str, embeds: Value) -> Value {
    json!({
        "id": id, "channel_id": CHANNEL, "author": user(author), "content": content,
        "timestamp": "2026-11-24T10:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": embeds, "components": [], "pinned": false,
        "type": 0, "flags": 0
    })
}

/// The "Ask careerbot" message command (type 2, command type 3) on a message.
pub fn ask_message(content: &str) -> Value {
    let target = "1190000000000000700";
    let data = json!({ "id": "1190000000000000301", "name": "Ask careerbot", "type": 3, "target_id": target,
                       "resolved": { "messages": { target: message(target, OTHER, content, json!([])) } } });
    envelope(2, data, &Sender::member())
}

/// A member's reply (message type 19) to `replied`, as Discord sends it
/// inside interactions: with its `message_reference` and the
/// `referenced_message` itself.
pub fn reply(id: &str, author: u64, content: &str, replied: Value) -> Value {
    let mut m = message(id, author, content, json!([]));
    m["type"] = json!(19);
    m["message_reference"] =
        json!({ "type": 0, "message_id": replied["id"], "channel_id": CHANNEL, "guild_id": GUILD });
    m["referenced_message"] = replied;
    m
}

/// The "Save as answer" message command (type 2, command type 3) by
/// `sender` on the message `target`, which the interaction carries in
/// `resolved.messages` (no Message Content intent needed).
pub fn save_as_answer(target: Value, sender: &Sender) -> Value {
    let id = target["id"].as_str().unwrap_or_default().to_string();
    let data = json!({ "id": "1190000000000000302", "name": "Save as answer", "type": 3, "target_id": id,
                       "resolved": { "messages": { id.clone(): target } } });
    envelope(2, data, sender)
}

/// A help-forum post's thread, where the stand-in's `GET /channels/{id}`
/// says [`ASKER`] opened it in [`FORUM`].
pub const POST_THREAD: &str = "1190000000000000331";

/// The "Mark solution" message command by `sender` on `target`, a reply in
/// the post [`POST_THREAD`].
pub fn mark_solution(target: Value, sender: &Sender) -> Value {
    let id = target["id"].as_str().unwrap_or_default().to_string();
    let data = json!({ "id": "1190000000000000303", "name": "Mark solution", "type": 3, "target_id": id,
                       "resolved": { "messages": { id.clone(): target } } });
    in_post(envelope(2, data, sender), sender)
}

/// A message command `v` by `sender`, moved with its target message into
/// the post [`POST_THREAD`].
pub fn in_post(mut v: Value, sender: &Sender) -> Value {
    let target = v["data"]["target_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    v["data"]["resolved"]["messages"][&target]["channel_id"] = json!(POST_THREAD);
    v["channel_id"] = json!(POST_THREAD);
    v["channel"] = json!({ "id": POST_THREAD, "type": 11, "name": "How do I negotiate my first salary?",
                           "guild_id": GUILD, "parent_id": FORUM, "flags": 0, "permissions": sender.permissions,
                           "thread_metadata": { "archived": false, "auto_archive_duration": 4320,
                                                "archive_timestamp": "2026-11-24T10:00:00.000000+00:00", "locked": false } });
    v
}

/// The value of the text input `id` in a form (a type 9 response), empty
/// when it has none.
pub fn form_value<'a>(form: &'a Value, id: &str) -> &'a str {
    form["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().into_iter().flatten())
        .find(|input| input["custom_id"] == id)
        .and_then(|input| input["value"].as_str())
        .unwrap_or("")
}

/// A button press (type 3) on a message that carries `embeds`.
pub fn button(custom_id: &str, presser: u64, embeds: Value) -> Value {
    let data = json!({ "custom_id": custom_id, "component_type": 2 });
    let mut v = envelope(
        3,
        data,
        &Sender {
            user: presser,
            ..Sender::member()
        },
    );
    v["message"] = message("1190000000000000800", 1190000000000000001, "", embeds);
    v
}

/// A button press (type 3) by `sender` on a message careerbot posted with
/// `response`'s embeds and buttons (as Discord echoes them back).
pub fn press(custom_id: &str, sender: &Sender, response: &Value) -> Value {
    let data = json!({ "custom_id": custom_id, "component_type": 2 });
    let mut v = envelope(3, data, sender);
    let mut message = message(
        "1190000000000000800",
        1190000000000000001,
        response["data"]["content"].as_str().unwrap_or(""),
        response["data"]["embeds"].clone(),
    );
    let components: Vec<Value> = response["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            let buttons: Vec<Value> = row["components"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| json!({ "type": 2, "style": b["style"], "label": b["label"], "custom_id": b["custom_id"] }))
                .collect();
            json!({ "type": 1, "components": buttons })
        })
        .collect();
    message["components"] = json!(components);
    v["message"] = message;
    v
}

/// `/ask question:... target:@member` by the usual asker.
pub fn ask_for(question: &str, target: u64) -> Value {
    let mut v = command(
        "ask",
        json!([{ "name": "question", "type": 3, "value": question },
               { "name": "target", "type": 6, "value": target.to_string() }]),
        &Sender::member(),
    );
    v["data"]["resolved"] = json!({ "users": { target.to_string(): user(target) } });
    v
}

/// A submitted modal (type 5) with text inputs `fields` (custom id, value).
pub fn modal_submit(custom_id: &str, fields: &[(&str, &str)], sender: &Sender) -> Value {
    let rows: Vec<Value> = fields
        .iter()
        .map(|(id, value)| json!({ "type": 1, "components": [{ "type": 4, "custom_id": id, "value": value }] }))
        .collect();
    envelope(
        5,
        json!({ "custom_id": custom_id, "components": rows }),
        sender,
    )
}

/// The custom ids of a response's buttons, in order, as a member sees them.
pub fn button_ids(response: &Value) -> Vec<String> {
    response["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().into_iter().flatten())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_string))
        .collect()
}

/// The id of the button of `response` whose id starts with `kind:`.
pub fn button_id(response: &Value, kind: &str) -> String {
    let prefix = format!("{kind}:");
    button_ids(response)
        .into_iter()
        .find(|id| id.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {kind} button in {response:#}"))
}

/// Parses JSON into serenity's `Interaction`, as the transports do.
pub fn parse(value: &Value) -> Interaction {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("fixture does not parse as an Interaction: {e}\n{value:#}"))
}

/// Discord's PING (type 1), as sent when the endpoint URL is saved and at
/// random times since.
pub fn ping() -> Value {
    json!({
        "app_permissions": "562949953601536", "application_id": APP,
        "entitlements": [], "id": next_id(),
        "token": "aW50ZXJhY3Rpb246cGluZzp0b2tlbg", "type": 1,
        "user": user(ASKER), "version": 1
    })
}

/// Seconds since the Unix epoch, as Discord sends `X-Signature-Timestamp`.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// The hex `X-Signature-Ed25519` Discord would send for `body` at
/// `timestamp`: an Ed25519 signature of timestamp + body.
pub fn discord_signature(key: &ed25519_dalek::SigningKey, timestamp: &str, body: &[u8]) -> String {
    use ed25519_dalek::Signer as _;
    let mut message = Vec::with_capacity(timestamp.len() + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.extend_from_slice(body);
    hex::encode(key.sign(&message).to_bytes())
}

pub const FORUM: &str = "1190000000000000210";

/// A MESSAGE_CREATE dispatch's data: message `id` in `channel` by
/// `author` (a bot when `bot`), in the guild, mentioning `mentions`.
pub fn channel_message(
    id: &str,
    channel: &str,
    author: u64,
    content: &str,
    mentions: &[u64],
    bot: bool,
) -> Value {
    let mut m = message(id, author, content, json!([]));
    m["channel_id"] = json!(channel);
    m["author"]["bot"] = json!(bot);
    m["guild_id"] = json!(GUILD);
    let mut partial = member(author, MEMBER_PERMS, &[]);
    if let Some(fields) = partial.as_object_mut() {
        fields.remove("user");
        fields.remove("permissions");
    }
    m["member"] = partial;
    m["mentions"] = mentions
        .iter()
        .map(|u| {
            let mut mentioned = user(*u);
            if u.to_string() == APP {
                mentioned["bot"] = json!(true);
            }
            mentioned
        })
        .collect();
    m
}

/// A THREAD_CREATE dispatch's data: a new post `id` titled `name` by
/// `owner` in the forum `forum`, created now.
pub fn forum_post(id: &str, forum: &str, owner: u64, name: &str) -> Value {
    let now = serenity::model::Timestamp::now().to_string();
    json!({
        "id": id, "type": 11, "guild_id": GUILD, "parent_id": forum, "owner_id": owner.to_string(),
        "name": name, "last_message_id": id, "rate_limit_per_user": 0, "flags": 0,
        "message_count": 0, "member_count": 1, "total_message_sent": 0, "applied_tags": [],
        "thread_metadata": { "archived": false, "auto_archive_duration": 4320,
                             "archive_timestamp": now, "locked": false, "create_timestamp": now },
        "member": { "id": id, "user_id": owner.to_string(), "join_timestamp": now, "flags": 1 },
        "newly_created": true
    })
}
