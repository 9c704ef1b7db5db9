//! Answers on knowledge careerbot was not tuned on read its structure: link
//! lists and self-checks are never the answer, boilerplate headings are
//! learnt, "what is X" finds the section about X, and what members see
//! keeps links, addresses and code intact. Every case uses real passages
//! of the corpora in `tests/fixtures/corpora/` or of the shipped article.

use crate::support;

use std::sync::OnceLock;

use careerbot::answer::{Answer, AnswerPassage};
use careerbot::discord::render;
use careerbot::discord::reply::Policy;
use careerbot::engine::Engine;
use careerbot::knowledge::inline::SpanKind;
use careerbot::live::Live;
use careerbot::transport::service::Settings;
use serde_json::{json, Value};
use support::interactions::{self as fx, Sender};
use support::limits::{assert_pings_nobody, assert_within_limits};
use support::serve_now;
use support::{corpus_dir, load, seed};

fn corpus(name: &str) -> &'static Engine {
    static ENGINES: OnceLock<std::sync::Mutex<Vec<(String, &'static Engine)>>> = OnceLock::new();
    let engines = ENGINES.get_or_init(Default::default);
    let mut engines = engines.lock().expect("lock");
    if let Some((_, e)) = engines.iter().find(|(n, _)| n == name) {
        return e;
    }
    let engine: &'static Engine = Box::leak(Box::new(load(&corpus_dir(name))));
    engines.push((name.to_string(), engine));
    engine
}

fn ord_of(engine: &Engine, id: &str) -> usize {
    engine
        .passages
        .iter()
        .position(|p| p.id == id)
        .unwrap_or_else(|| panic!("no passage {id}"))
}

fn first(answer: &Answer) -> &AnswerPassage {
    answer
        .passages()
        .first()
        .unwrap_or_else(|| panic!("{:?} is not answered", answer.question()))
}

#[test]
fn a_list_of_references_is_never_the_answer() {
    let sdp = corpus("system-design-primer");
    let answer = sdp.ask("what is the CAP theorem");
    let top = first(&answer);
    assert!(
        top.text
            .contains("you can only support two of the following guarantees"),
        "{top:?}"
    );
    // The primer's "Source(s) and further reading" lists are link lists.
    let sources: Vec<&careerbot::chunk::Passage> = sdp
        .passages
        .iter()
        .filter(|p| {
            p.section
                .last()
                .is_some_and(|h| h == "Source(s) and further reading")
        })
        .collect();
    let lists = sources
        .iter()
        .filter(|p| sdp.form(ord_of(sdp, &p.id)).link_list)
        .count();
    // All but the one that is a paragraph with a single link in it.
    assert!(
        sources.len() > 10 && lists + 1 >= sources.len(),
        "{lists} of {}",
        sources.len()
    );
    // Asked in the words of one of them, a list still never comes first.
    for question in [
        "CAP theorem revisited",
        "sources and further reading on sharding",
    ] {
        let answer = sdp.ask(question);
        if let Some(top) = answer.passages().first() {
            let ord = ord_of(sdp, &top.id);
            assert!(sdp.form(ord).answers(), "{question}: {}", top.id);
        }
    }
    // The shipped article's own Sources list never answers a salary question.
    let s = seed();
    for question in [
        "how much do back-end developers earn",
        "what's the salary according to glassdoor and indeed",
    ] {
        let answer = s.ask(question);
        assert_ne!(first(&answer).section, "Sources", "{question}");
    }
}

#[test]
fn headings_that_recur_all_over_a_course_are_learnt_as_boilerplate() {
    let gn = corpus("git-novice");
    let solutions: Vec<usize> = (0..gn.passages.len())
        .filter(|&o| {
            gn.passages[o]
                .section
                .last()
                .is_some_and(|h| h == "Solution")
        })
        .collect();
    assert!(solutions.len() >= 5, "{}", solutions.len());
    assert!(solutions.iter().all(|&o| gn.form(o).generic_heading));
    // A heading that occurs once is not, and one article has no boilerplate.
    let staging = ord_of(gn, "episodes/04-changes#staging-area");
    assert!(!gn.form(staging).generic_heading);
    let s = seed();
    assert!((0..s.passages.len()).all(|o| !s.form(o).generic_heading));
}

#[test]
fn a_self_check_of_only_questions_does_not_answer_them() {
    let gn = corpus("git-novice");
    // Each episode opens with a callout listing the questions it answers.
    let checks: Vec<usize> = (0..gn.passages.len())
        .filter(|&o| {
            gn.passages[o]
                .text
                .contains("- Where does Git store information?")
        })
        .collect();
    assert_eq!(checks.len(), 1, "one callout holds the question");
    assert!(
        gn.form(checks[0]).questions_only,
        "{}",
        gn.passages[checks[0]].text
    );
    let answer = gn.ask("where does git store information?");
    let top = first(&answer);
    assert!(gn.form(ord_of(gn, &top.id)).answers(), "{top:?}");
    assert_ne!(ord_of(gn, &top.id), checks[0]);
}

#[test]
fn what_is_x_prefers_the_section_that_defines_x_over_its_subsections() {
    let sdp = corpus("system-design-primer");
    for (question, section, says) in [
        (
            "what is a reverse proxy",
            "Reverse proxy (web server)",
            "A reverse proxy is a web server",
        ),
        (
            "what does a CDN do",
            "Content delivery network",
            "globally distributed network of proxy servers",
        ),
        (
            "what is database sharding",
            "Database › Relational database management system (RDBMS) › Sharding",
            "Sharding distributes data across different databases",
        ),
    ] {
        let answer = sdp.ask(question);
        let top = first(&answer);
        assert_eq!(top.section, section, "{question}");
        assert!(top.text.contains(says), "{question}: {}", top.text);
    }
    // Words of the article's own subject in a heading are context, not an
    // aspect: "Job outlook for back-end developers" is about the outlook.
    let answer = seed().ask("what is the job outlook");
    assert_eq!(
        first(&answer).section,
        "Job outlook for back-end developers"
    );
}

#[test]
fn a_heading_inside_a_list_item_makes_its_own_passage() {
    let ciu = corpus("coding-interview-university");
    let answer = ciu.ask("what is a treap");
    let top = first(&answer);
    assert!(top.section.ends_with("Treap"), "{top:?}");
    assert!(top
        .text
        .contains("Combination of a binary search tree and a heap"));
    // The list under "Treap" holds only what is under it.
    assert!(!top.text.contains("Linear Programming"), "{}", top.text);
}

#[test]
fn a_question_whose_subject_is_absent_is_declined_on_foreign_knowledge_too() {
    let ciu = corpus("coding-interview-university");
    let answer = ciu.ask("what does a scrum master do");
    assert!(
        !answer.is_answered(),
        "{:?}",
        answer.passages().first().map(|p| &p.id)
    );
    assert!(answer.message().unwrap_or("").contains("“scrum master”"));
}

#[test]
fn highlights_never_go_inside_an_address_a_link_or_code() {
    // The seed's Sources are addresses written out; git-novice's lessons
    // have links and inline code.
    let cases: [(&Engine, &str); 3] = [
        (
            seed(),
            "what do the sources say about web developers at the bureau of labor statistics",
        ),
        (
            corpus("git-novice"),
            "how do i use git init to create a repository",
        ),
        (
            corpus("coding-interview-university"),
            "big-o notation videos",
        ),
    ];
    for (engine, question) in cases {
        let answer = engine.ask_with(question, 5);
        let mut spans_seen = 0;
        for p in answer.passages() {
            spans_seen += p.spans.len();
            for &(hs, he) in &p.highlights {
                for s in &p.spans {
                    assert!(
                        he <= s.start || hs >= s.end,
                        "{question}: highlight {hs}..{he} in {s:?} of {}",
                        p.id
                    );
                }
            }
            let shown = render::highlighted(p);
            for s in &p.spans {
                let inner = &p.text[s.start..s.end];
                match &s.kind {
                    SpanKind::Url => {
                        assert!(shown.contains(inner), "{inner} shown as written in {shown}")
                    }
                    SpanKind::Code => assert!(
                        shown.contains(&format!("`{inner}`")),
                        "{inner} as code in {shown}"
                    ),
                    SpanKind::Link { url: Some(url) } => {
                        assert!(
                            shown.contains(&format!("]({url})")),
                            "{url} linked in {shown}"
                        )
                    }
                    SpanKind::Link { url: None } => {}
                }
            }
            // No bold marker inside any address.
            for word in shown.split_whitespace().filter(|w| w.contains("://")) {
                assert!(!word.contains("**"), "{question}: {word}");
            }
        }
        assert!(spans_seen > 0, "{question}: the case shows spans");
    }
}

#[test]
fn full_width_and_accented_questions_find_what_plain_ones_find() {
    let s = seed();
    let plain = first(&s.ask("salary")).id.clone();
    for q in ["ｓａｌａｒｙ", "SALÁRY", "sǎlary"] {
        assert_eq!(first(&s.ask(q)).id, plain, "{q}");
    }
}

fn topics_live() -> &'static Live {
    static LIVE: OnceLock<Live> = OnceLock::new();
    LIVE.get_or_init(|| support::live(&corpus_dir("tech-interview-handbook")))
}

fn respond(live: &Live, payload: &Value) -> Value {
    let settings = Settings {
        policy: Policy {
            moderator_roles: Vec::new(),
            private_by_default: false,
            helper_roles: Vec::new(),
        },
        ..Settings::default()
    };
    let d = serve_now(live, &settings, &fx::parse(payload));
    let json = serde_json::to_value(&d.response).expect("response serializes");
    assert_pings_nobody(&json);
    assert_within_limits(&json);
    json
}

#[test]
fn topics_pages_through_a_large_knowledge_base() {
    let live = topics_live();
    let articles = live.current().outline().len();
    assert!(articles > 16, "{articles}");
    let sender = Sender::member();
    let first_page = respond(live, &fx::command("topics", json!([]), &sender));
    let embed = &first_page["data"]["embeds"][0];
    let pages = articles.div_ceil(8);
    assert_eq!(embed["title"], format!("What I know about (1 of {pages})"));
    assert_eq!(embed["fields"].as_array().map(Vec::len), Some(8));
    let ids = fx::button_ids(&first_page);
    assert_eq!(ids.len(), 1, "only Next on the first page: {ids:?}");
    let next = respond(live, &fx::button(&ids[0], sender.user, json!([])));
    assert_eq!(
        next["type"],
        support::callback::UPDATE_MESSAGE,
        "the page replaces the message"
    );
    let embed = &next["data"]["embeds"][0];
    assert_eq!(embed["title"], format!("What I know about (2 of {pages})"));
    assert_ne!(
        embed["fields"][0]["name"],
        first_page["data"]["embeds"][0]["fields"][0]["name"]
    );
    assert_eq!(fx::button_ids(&next).len(), 2, "Previous and Next");
    // Someone else cannot page another member's list.
    let refused = respond(live, &fx::button(&ids[0], sender.user + 1, json!([])));
    assert_eq!(refused["data"]["flags"], 64);
}

#[test]
fn help_and_tools_describe_the_knowledge_base_loaded_not_the_seed() {
    let live = topics_live();
    let help = respond(live, &fx::command("help", json!([]), &Sender::member()));
    let description = help["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap_or("");
    assert!(
        !description.to_lowercase().contains("back-end"),
        "{description}"
    );
    let biggest = live.current().about();
    assert!(
        description.contains(&render::escape(&biggest)),
        "{description} / {biggest}"
    );
    let definitions = careerbot::discord::commands::definitions_json().to_string();
    assert!(
        !definitions.to_lowercase().contains("back-end"),
        "{definitions}"
    );
}

#[test]
fn a_shortened_word_also_finds_the_word_the_knowledge_base_spells_out() {
    // Paraphrase, where a general mechanism helps: members write "repo",
    // the lesson "repository".
    let gn = corpus("git-novice");
    for question in [
        "how do i set up a repo",
        "repo keeps saying permission denied",
    ] {
        let understood = gn.understand(question);
        let concept = understood
            .concepts
            .iter()
            .find(|c| c.label == "repo")
            .unwrap_or_else(|| panic!("{question}: {:?}", understood.concepts));
        assert!(
            concept
                .alternatives
                .iter()
                .any(|a| a.stems.len() == 1 && a.stems[0] == "repositori"),
            "{question}: {:?}",
            concept.alternatives
        );
    }
    // A word more frequent than its longer forms stays as it is: the
    // lesson says "git config" more than "configuration".
    let understood = gn.understand("how do i config");
    assert_eq!(
        understood.concepts[0].alternatives.len(),
        1,
        "{:?}",
        understood.concepts
    );
}

#[test]
fn an_answered_question_always_has_a_passage_even_when_a_link_list_scored_best() {
    // "what is a hash table" on coding-interview-university once came back
    // answered with no passage (the link list moved behind the answer set
    // the bar), and /ask panicked rendering it.
    for name in [
        "coding-interview-university",
        "git-novice",
        "system-design-primer",
    ] {
        let engine = corpus(name);
        let headings: std::collections::BTreeSet<&String> = engine
            .passages
            .iter()
            .filter_map(|p| p.section.last())
            .collect();
        for heading in headings {
            let answer = engine.ask(&format!("what is {heading}"));
            assert!(
                !answer.is_answered() || !answer.passages().is_empty(),
                "{name}: what is {heading}"
            );
            let embed = serde_json::to_value(render::answer_embed(&answer, 0)).expect("json");
            assert!(embed["description"].is_string(), "{name}: {heading}");
        }
    }
    let abbreviated = corpus("tech-interview-handbook").ask("what is the capital of france");
    assert!(
        !abbreviated.is_answered(),
        "an unknown word is not read as an abbreviation"
    );
}
