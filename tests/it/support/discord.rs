//! The loopback stand-in for Discord that every end-to-end test uses: the
//! HTTP API routes careerbot calls and the gateway websocket, on
//! 127.0.0.1:0. Every call the bot makes arrives on [`StandIn::calls`];
//! interactions sent to [`StandIn::push`] (and any other event through
//! [`Push::event`]) are dispatched over the gateway once the bot is READY,
//! as Discord does.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Mutex};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::interactions as fx;

/// What the bot sent to the stand-in.
#[derive(Debug)]
pub enum Call {
    /// An interaction response (`POST /interactions/{id}/{token}/callback`).
    Callback {
        /// The interaction id.
        id: String,
        /// The response.
        body: Value,
    },
    /// An edit of the original response (`PATCH /webhooks/{app}/{token}/messages/@original`).
    EditOriginal {
        /// The application id.
        app: String,
        /// The interaction token.
        token: String,
        /// The edit: the JSON body, or a multipart upload's `payload_json`.
        body: Value,
        /// A multipart upload's files.
        files: Files,
    },
    /// A message posted in a channel (`POST /channels/{id}/messages`).
    CreateMessage {
        /// The channel id.
        channel: String,
        /// The id the stand-in gave the message.
        id: String,
        /// The message: the JSON body, or a multipart upload's `payload_json`.
        body: Value,
        /// A multipart upload's files.
        files: Files,
    },
    /// A channel message deleted (`DELETE /channels/{c}/messages/{m}`).
    DeleteMessage {
        /// The channel id.
        channel: String,
        /// The message id.
        message: String,
    },
    /// The original response deleted (`DELETE /webhooks/{app}/{token}/messages/@original`).
    DeleteOriginal {
        /// The application id.
        app: String,
        /// The interaction token.
        token: String,
    },
    /// A channel message edited (`PATCH /channels/{c}/messages/{m}`).
    EditMessage {
        /// The channel id.
        channel: String,
        /// The message id.
        message: String,
        /// The edit.
        body: Value,
    },
    /// A channel (a forum post's thread) edited (`PATCH /channels/{id}`).
    EditChannel {
        /// The channel id.
        channel: String,
        /// The edit.
        body: Value,
    },
    /// Command registration in a guild.
    PutCommands {
        /// The application id.
        app: String,
        /// The guild id.
        guild: String,
        /// The commands.
        body: Value,
    },
}

struct Discord {
    port: u16,
    calls: mpsc::UnboundedSender<Call>,
    /// Dispatches (event name, data) to push over the gateway once the bot is READY.
    push: Mutex<Option<mpsc::UnboundedReceiver<(String, Value)>>>,
    /// The application's `flags`, as `GET /oauth2/applications/@me` reports them.
    app_flags: u64,
    /// See [`Behaviour::slow_channel`].
    slow_channel: Option<&'static str>,
    /// Messages posted so far, for their ids.
    posted: std::sync::atomic::AtomicU64,
    /// The intents of the last IDENTIFY.
    intents: Arc<std::sync::Mutex<Option<u64>>>,
    /// Close IDENTIFY with 4004 (authentication failed), as Discord does for a bad token.
    reject_token: bool,
    /// Close an IDENTIFY that asks for Message Content with 4014, as
    /// Discord does when the application does not have it.
    refuse_message_content: bool,
    /// READY is sent once this is true.
    ready_released: tokio::sync::watch::Receiver<bool>,
}

/// A running stand-in.
pub struct StandIn {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The calls the bot made, in order.
    pub calls: mpsc::UnboundedReceiver<Call>,
    /// Interactions and other events to dispatch over the gateway.
    pub push: Push,
    /// Lets READY go, for a stand-in started holding it.
    release: tokio::sync::watch::Sender<bool>,
    intents: Arc<std::sync::Mutex<Option<u64>>>,
}

/// Gateway dispatches for the stand-in to send once the bot is READY.
#[derive(Debug, Clone)]
pub struct Push(mpsc::UnboundedSender<(String, Value)>);

impl Push {
    /// Dispatches `interaction` as INTERACTION_CREATE.
    ///
    /// # Errors
    /// When the stand-in has stopped.
    pub fn send(&self, interaction: Value) -> Result<(), String> {
        self.event("INTERACTION_CREATE", interaction)
    }

    /// Dispatches event `t` with data `d` (MESSAGE_CREATE, THREAD_CREATE, ...).
    ///
    /// # Errors
    /// When the stand-in has stopped.
    pub fn event(&self, t: &str, d: Value) -> Result<(), String> {
        self.0
            .send((t.to_string(), d))
            .map_err(|_| "the stand-in has stopped".to_string())
    }
}

/// How a stand-in behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Behaviour {
    /// Close IDENTIFY with 4004, as Discord does for a bad token.
    pub reject_token: bool,
    /// Hold READY until [`StandIn::release_ready`].
    pub hold_ready: bool,
    /// The application's flags (1 << 18 and 1 << 19 grant Message Content).
    pub app_flags: u64,
    /// Close an IDENTIFY asking for Message Content with 4014 (the
    /// intent was turned off after careerbot read the flags).
    pub refuse_message_content: bool,
    /// A channel whose new messages are answered only after
    /// [`SLOW_CHANNEL_DELAY`], as Discord's per-channel limit would (the
    /// call is reported when it arrives).
    pub slow_channel: Option<&'static str>,
}

/// How long a message to [`Behaviour::slow_channel`] waits for its answer.
pub const SLOW_CHANNEL_DELAY: std::time::Duration = std::time::Duration::from_secs(4);

impl StandIn {
    /// Starts a stand-in; with `reject_token` its gateway refuses IDENTIFY.
    pub async fn start(reject_token: bool) -> StandIn {
        StandIn::start_with(Behaviour {
            reject_token,
            ..Behaviour::default()
        })
        .await
    }

    /// Starts a stand-in whose gateway answers IDENTIFY with READY only
    /// after [`StandIn::release_ready`].
    pub async fn start_holding_ready() -> StandIn {
        StandIn::start_with(Behaviour {
            hold_ready: true,
            ..Behaviour::default()
        })
        .await
    }

    /// Lets a held READY go.
    pub fn release_ready(&self) {
        let _ = self.release.send(true);
    }

    /// Starts a stand-in that behaves as `behaviour` says.
    pub async fn start_with(behaviour: Behaviour) -> StandIn {
        let (release, ready_released) = tokio::sync::watch::channel(!behaviour.hold_ready);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (calls_tx, calls) = mpsc::unbounded_channel();
        let (push, push_rx) = mpsc::unbounded_channel();
        let intents = Arc::default();
        let discord = Arc::new(Discord {
            intents: Arc::clone(&intents),
            port,
            calls: calls_tx,
            push: Mutex::new(Some(push_rx)),
            reject_token: behaviour.reject_token,
            refuse_message_content: behaviour.refuse_message_content,
            ready_released,
            app_flags: behaviour.app_flags,
            slow_channel: behaviour.slow_channel,
            posted: std::sync::atomic::AtomicU64::new(0),
        });
        let app = Router::new()
            .route("/", get(websocket))
            .route("/api/v10/gateway", get(gateway_url))
            .route("/api/v10/gateway/bot", get(gateway_bot))
            .route(
                "/api/v10/interactions/{id}/{token}/callback",
                post(callback),
            )
            .route(
                "/api/v10/webhooks/{app}/{token}/messages/@original",
                patch(edit_original).delete(delete_original),
            )
            .route(
                "/api/v10/channels/{channel}",
                get(get_channel).patch(edit_channel),
            )
            .route("/api/v10/channels/{channel}/messages", post(create_message))
            .route(
                "/api/v10/channels/{channel}/messages/{message}",
                get(get_message).delete(delete_message).patch(edit_message),
            )
            .route("/api/v10/oauth2/applications/@me", get(application))
            .route(
                "/api/v10/applications/{app}/guilds/{guild}/commands",
                put(put_guild_commands),
            )
            .fallback(fallback)
            .with_state(discord);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StandIn {
            port,
            calls,
            push: Push(push),
            release,
            intents,
        }
    }

    /// The gateway intents the bot identified with, once it has.
    pub fn intents(&self) -> Option<u64> {
        *self.intents.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The API base to point careerbot at.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The next call the bot makes, within 20 s.
    pub async fn next_call(&mut self) -> Call {
        tokio::time::timeout(Duration::from_secs(20), self.calls.recv())
            .await
            .expect("the bot called Discord within 20 s")
            .expect("stand-in running")
    }
}

async fn gateway_url(State(d): State<Arc<Discord>>) -> Json<Value> {
    Json(json!({ "url": format!("ws://127.0.0.1:{}", d.port) }))
}

async fn gateway_bot(State(d): State<Arc<Discord>>) -> Json<Value> {
    Json(json!({
        "url": format!("ws://127.0.0.1:{}", d.port), "shards": 1,
        "session_start_limit": { "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1 }
    }))
}

/// An interaction response, JSON or multipart (its `payload_json`; no
/// response careerbot sends carries a file, and a test that expects one
/// reads it from an edit).
async fn callback(
    State(d): State<Arc<Discord>>,
    Path((id, _token)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    raw: axum::body::Bytes,
) -> StatusCode {
    let Some((body, _files)) = read_body(&headers, &raw) else {
        return StatusCode::BAD_REQUEST;
    };
    let _ = d.calls.send(Call::Callback { id, body });
    StatusCode::NO_CONTENT
}

async fn edit_original(
    State(d): State<Arc<Discord>>,
    Path((app, token)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    raw: axum::body::Bytes,
) -> Response {
    let Some((body, files)) = read_body(&headers, &raw) else {
        return (StatusCode::BAD_REQUEST, "neither JSON nor multipart").into_response();
    };
    let reply = bot_message("1190000000000000999", fx::CHANNEL, &body, 20);
    let _ = d.calls.send(Call::EditOriginal {
        app,
        token,
        body,
        files,
    });
    Json(reply).into_response()
}

/// A multipart upload's files: each file's name and bytes.
pub type Files = Vec<(String, Vec<u8>)>;

/// A request body as Discord reads it: JSON, or `multipart/form-data` with
/// the JSON in the `payload_json` part and each file in a part of its own
/// (`files[n]`, with its file name).
fn read_body(headers: &axum::http::HeaderMap, raw: &[u8]) -> Option<(Value, Files)> {
    let kind = headers.get("content-type")?.to_str().ok()?;
    let Some(boundary) = kind.strip_prefix("multipart/form-data; boundary=") else {
        return serde_json::from_slice(raw)
            .ok()
            .map(|body| (body, Vec::new()));
    };
    let delimiter = format!("--{}", boundary.trim_matches('"'));
    let mut body = None;
    let mut files = Vec::new();
    for part in split(raw, delimiter.as_bytes()).into_iter().skip(1) {
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(end) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..end]).to_string();
        let content = part[end + 4..]
            .strip_suffix(b"\r\n")
            .unwrap_or(&part[end + 4..]);
        let field = |key: &str| {
            let start = head.find(&format!("{key}=\""))? + key.len() + 2;
            let len = head[start..].find('"')?;
            Some(head[start..start + len].to_string())
        };
        match (field("name").as_deref(), field("filename")) {
            (Some("payload_json"), _) => body = serde_json::from_slice(content).ok(),
            (Some(_), Some(name)) => files.push((name, content.to_vec())),
            _ => {}
        }
    }
    Some((body?, files))
}

/// `bytes` cut at each `delimiter`.
fn split<'a>(mut bytes: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(bytes, delimiter) {
        parts.push(&bytes[..at]);
        bytes = &bytes[at + delimiter.len()..];
    }
    parts.push(bytes);
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn delete_original(
    State(d): State<Arc<Discord>>,
    Path((app, token)): Path<(String, String)>,
) -> StatusCode {
    let _ = d.calls.send(Call::DeleteOriginal { app, token });
    StatusCode::NO_CONTENT
}

async fn create_message(
    State(d): State<Arc<Discord>>,
    Path(channel): Path<String>,
    headers: axum::http::HeaderMap,
    raw: axum::body::Bytes,
) -> Response {
    let Some((body, files)) = read_body(&headers, &raw) else {
        return (StatusCode::BAD_REQUEST, "neither JSON nor multipart").into_response();
    };
    let n = d.posted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let id = (1190000000000005000 + n).to_string();
    let reply = bot_message(&id, &channel, &body, 0);
    let slow = d.slow_channel == Some(channel.as_str());
    let _ = d.calls.send(Call::CreateMessage {
        channel,
        id,
        body,
        files,
    });
    if slow {
        tokio::time::sleep(SLOW_CHANNEL_DELAY).await;
    }
    Json(reply).into_response()
}

async fn edit_message(
    State(d): State<Arc<Discord>>,
    Path((channel, message)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let reply = bot_message(&message, &channel, &body, 0);
    let _ = d.calls.send(Call::EditMessage {
        channel,
        message,
        body,
    });
    Json(reply)
}

async fn delete_message(
    State(d): State<Arc<Discord>>,
    Path((channel, message)): Path<(String, String)>,
) -> StatusCode {
    let _ = d.calls.send(Call::DeleteMessage { channel, message });
    StatusCode::NO_CONTENT
}

/// The message object Discord answers a post or an edit with: careerbot's
/// message `id` in `channel`, of message type `kind`, with `body`'s content,
/// embeds and components.
/// The tags of the stand-in's forum, [`fx::FORUM`]: "solved" (lower case,
/// as moderators name tags) and two others.
pub const SOLVED_TAG: &str = "1190000000000000231";
pub const QUESTION_TAG: &str = "1190000000000000232";
pub const CAREER_TAG: &str = "1190000000000000233";

/// `GET /channels/{id}`: the forum [`fx::FORUM`] with its tags, or else a
/// post in it, opened by [`fx::ASKER`], tagged "question" and "career".
async fn get_channel(Path(channel): Path<String>) -> Json<Value> {
    if channel == fx::FORUM {
        let tag = |id: &str, name: &str| json!({ "id": id, "name": name, "moderated": false, "emoji_id": null, "emoji_name": null });
        return Json(json!({
            "id": channel, "type": 15, "guild_id": fx::GUILD, "name": "help", "position": 0,
            "permission_overwrites": [], "nsfw": false, "parent_id": null, "flags": 0,
            "rate_limit_per_user": 0, "topic": null, "last_message_id": null,
            "available_tags": [tag(QUESTION_TAG, "question"), tag(SOLVED_TAG, "solved"), tag(CAREER_TAG, "career")],
            "default_reaction_emoji": null, "default_sort_order": null, "default_forum_layout": 0
        }));
    }
    Json(thread(&channel, json!([QUESTION_TAG, CAREER_TAG])))
}

/// A post's thread in [`fx::FORUM`] with `tags`.
fn thread(id: &str, tags: Value) -> Value {
    json!({
        "id": id, "type": 11, "guild_id": fx::GUILD, "parent_id": fx::FORUM, "owner_id": fx::ASKER.to_string(),
        "name": "How do I negotiate my first salary?", "last_message_id": id, "rate_limit_per_user": 0,
        "flags": 0, "message_count": 3, "member_count": 2, "total_message_sent": 3, "applied_tags": tags,
        "thread_metadata": { "archived": false, "auto_archive_duration": 4320,
                             "archive_timestamp": "2026-11-24T10:00:00.000000+00:00", "locked": false,
                             "create_timestamp": "2026-11-24T10:00:00.000000+00:00" }
    })
}

/// What the starter message of every post says ([`get_message`]).
pub const POST_STARTER: &str =
    "I got my first offer <@1190000000000000501>. Should I ask for more, or take it?";

/// `GET /channels/{c}/messages/{m}`: a post's starter message (whose id is
/// its thread's), written by [`fx::ASKER`]; any other message is unknown,
/// as a deleted one is.
async fn get_message(Path((channel, message)): Path<(String, String)>) -> Response {
    if channel != message {
        let unknown = json!({ "message": "Unknown Message", "code": 10008 });
        return (StatusCode::NOT_FOUND, Json(unknown)).into_response();
    }
    let mut starter = bot_message(&message, &channel, &json!({ "content": POST_STARTER }), 0);
    starter["author"] = fx::user(fx::ASKER);
    Json(starter).into_response()
}

/// `PATCH /channels/{id}`: recorded; the thread comes back with the tags set.
async fn edit_channel(
    State(d): State<Arc<Discord>>,
    Path(channel): Path<String>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let reply = thread(&channel, body["applied_tags"].clone());
    let _ = d.calls.send(Call::EditChannel { channel, body });
    Json(reply)
}

fn bot_message(id: &str, channel: &str, body: &Value, kind: u8) -> Value {
    json!({
        "id": id, "channel_id": channel, "type": kind,
        "author": { "id": fx::APP, "username": "careerbot", "discriminator": "0", "avatar": null, "bot": true, "global_name": null },
        "content": body.get("content").cloned().unwrap_or(json!("")),
        "timestamp": "2026-11-24T12:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": body.get("embeds").cloned().unwrap_or(json!([])),
        "components": body.get("components").cloned().unwrap_or(json!([])),
        "pinned": false, "flags": 0
    })
}

async fn application(State(d): State<Arc<Discord>>) -> Json<Value> {
    Json(json!({
        "id": fx::APP, "name": "careerbot", "icon": null, "description": "", "bot_public": true,
        "bot_require_code_grant": false, "owner": null, "verify_key": "00", "team": null,
        "role_connections_verification_url": null, "approximate_guild_count": 1,
        "approximate_user_install_count": 0, "guild": null, "redirect_uris": [],
        "interactions_endpoint_url": null, "flags": d.app_flags
    }))
}

async fn put_guild_commands(
    State(d): State<Arc<Discord>>,
    Path((app, guild)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let _ = d.calls.send(Call::PutCommands { app, guild, body });
    Json(json!([]))
}

async fn fallback(uri: axum::http::Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        format!("stand-in has no route for {uri}"),
    )
        .into_response()
}

/// The gateway's websocket handshake (RFC 6455), then the session on the
/// upgraded connection, with the same tungstenite serenity connects with.
async fn websocket(State(d): State<Arc<Discord>>, mut request: axum::extract::Request) -> Response {
    let Some(key) = request.headers().get("sec-websocket-key").cloned() else {
        return (StatusCode::BAD_REQUEST, "not a websocket handshake").into_response();
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else { return };
        let io = hyper_util::rt::TokioIo::new(upgraded);
        let socket =
            tokio_tungstenite::WebSocketStream::from_raw_socket(io, Role::Server, None).await;
        gateway_session(d, socket).await;
    });
    (
        StatusCode::SWITCHING_PROTOCOLS,
        [
            ("connection", "upgrade".to_string()),
            ("upgrade", "websocket".to_string()),
            ("sec-websocket-accept", accept),
        ],
    )
        .into_response()
}

type Socket = tokio_tungstenite::WebSocketStream<hyper_util::rt::TokioIo<hyper::upgrade::Upgraded>>;

/// HELLO, wait for IDENTIFY, READY, then push dispatches; ACK heartbeats.
/// Nothing is pushed before READY, as Discord sends no dispatch before it.
async fn gateway_session(d: Arc<Discord>, mut socket: Socket) {
    let send = |v: Value| WsMessage::Text(v.to_string());
    if socket
        .send(send(
            json!({ "op": 10, "d": { "heartbeat_interval": 41250 } }),
        ))
        .await
        .is_err()
    {
        return;
    }
    let mut seq = 0u64;
    let mut push = d.push.lock().await.take();
    let mut ready = false;
    loop {
        tokio::select! {
            incoming = socket.next() => {
                let text = match incoming {
                    Some(Ok(WsMessage::Text(text))) => text,
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Binary(_))) => continue,
                    _ => return,
                };
                let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                match frame["op"].as_u64() {
                    Some(1) => { let _ = socket.send(send(json!({ "op": 11 }))).await; }
                    Some(2) if d.reject_token => {
                        let close = CloseFrame { code: CloseCode::from(4004), reason: "Authentication failed.".into() };
                        let _ = socket.send(WsMessage::Close(Some(close))).await;
                        return;
                    }
                    Some(2) if d.refuse_message_content && frame["d"]["intents"].as_u64().unwrap_or(0) & (1 << 15) != 0 => {
                        let close = CloseFrame { code: CloseCode::from(4014), reason: "Disallowed intent(s).".into() };
                        let _ = socket.send(WsMessage::Close(Some(close))).await;
                        return;
                    }
                    Some(2) => {
                        *d.intents.lock().unwrap_or_else(|p| p.into_inner()) = frame["d"]["intents"].as_u64();
                        let mut released = d.ready_released.clone();
                        let _ = released.wait_for(|go| *go).await;
                        seq += 1;
                        let _ = socket.send(send(ready_event(seq, d.port))).await;
                        ready = true;
                    }
                    _ => {}
                }
            }
            next = async { match push.as_mut() { Some(rx) if ready => rx.recv().await, _ => std::future::pending().await } } => {
                let Some((t, data)) = next else { push = None; continue };
                seq += 1;
                let _ = socket.send(send(json!({ "op": 0, "t": t, "s": seq, "d": data }))).await;
            }
        }
    }
}

/// The READY dispatch, as Discord sends it after IDENTIFY.
fn ready_event(seq: u64, port: u16) -> Value {
    json!({
        "op": 0, "t": "READY", "s": seq,
        "d": {
            "v": 10, "user": { "id": fx::APP, "username": "careerbot", "discriminator": "0", "avatar": null, "bot": true, "global_name": null },
            "guilds": [], "session_id": "loopback-session",
            "resume_gateway_url": format!("ws://127.0.0.1:{port}"),
            "shard": [0, 1], "application": { "id": fx::APP, "flags": 0 }
        }
    })
}
