//! Answering on the shipped knowledge base: odd input, career vocabulary,
//! out-of-scope questions, tools, courses and highlights.

use crate::support;

use careerbot::answer::Status;
use support::seed;

fn first_text(question: &str) -> String {
    let answer = seed().ask(question);
    assert!(
        answer.is_answered(),
        "{question:?} was not answered: {:?}",
        answer.message()
    );
    answer.passages()[0].text.clone()
}

#[test]
fn query_syntax_characters_never_fail_and_still_find_the_salary() {
    for q in [
        "\"back-end salary",
        "salary: back-end (US)",
        "salary AND OR NOT back-end",
        "back-end* salary?",
        "((salary))",
        "salary -back-end +pay ~2 ^3 [1 TO 5] {x}",
        "salary 💰🤑",
        "salary:pay",
        "back-end\\salary/pay|",
    ] {
        assert!(first_text(q).contains("$100,376"), "{q}");
    }
}

#[test]
fn empty_or_contentless_text_asks_for_a_question() {
    for q in [
        "",
        "   ",
        "\n\t",
        "???",
        "🚀🚀🚀",
        "what is it?",
        "AND OR NOT",
    ] {
        let answer = seed().ask(q);
        assert!(!answer.is_answered(), "{q:?}");
        assert_eq!(answer.status(), Status::Empty, "{q:?}");
        assert!(
            answer
                .message()
                .unwrap_or("")
                .starts_with("Please ask a question"),
            "{q:?}"
        );
        assert!(answer.passages().is_empty());
    }
}

#[test]
fn six_thousand_characters_get_an_answer() {
    let long = "what is the salary of a back-end developer? ".repeat(140);
    assert!(long.len() >= 6000);
    let answer = seed().ask(&long);
    assert!(answer.is_answered());
    assert!(answer.passages()[0].text.contains("$100,376"));
    let noise = "x".repeat(6000);
    assert!(!seed().ask(&noise).is_answered());
}

#[test]
fn typos_are_tolerated() {
    assert!(first_text("whats the salery").contains("$100,376"));
    assert!(first_text("which databse should i learn")
        .to_lowercase()
        .contains("mongodb"));
    let answer = seed().ask("what does a backnd developer do");
    assert!(answer.is_answered());
    assert!(
        answer
            .corrections()
            .iter()
            .any(|(from, to)| from == "backnd" && to == "backend"),
        "{:?}",
        answer.corrections()
    );
}

#[test]
fn spellings_of_back_end_find_the_same_passage() {
    let ids: Vec<String> = [
        "what does a back end developer do",
        "what does a backend developer do",
        "what does a back-end developer do",
        "what does a server-side developer do",
    ]
    .iter()
    .map(|q| seed().ask(q).passages()[0].id.clone())
    .collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
}

#[test]
fn pay_words_find_the_salary() {
    for q in [
        "how much do back-end devs earn",
        "back-end developer pay",
        "compensation for backend developers",
        "can you make money as a backend dev",
        "how much does a backend developer make",
    ] {
        assert!(first_text(q).contains("$100,376"), "{q}");
    }
}

#[test]
fn db_and_js_abbreviations_match() {
    let answer = seed().ask("which db should a backend dev know");
    assert!(
        answer.tools().iter().any(|t| t.id == "databases"),
        "{:?}",
        answer.tools()
    );
    let answer = seed().ask("do back-end devs need js");
    assert!(answer
        .passages()
        .iter()
        .any(|p| p.text.contains("JavaScript")));
}

#[test]
fn degree_words_find_the_degree_passage() {
    for q in [
        "do i need a degree",
        "do I need to go to college to be a backend dev",
        "what should I major in",
        "is university required for back-end",
    ] {
        let answer = seed().ask(q);
        assert!(
            answer
                .passages()
                .iter()
                .take(3)
                .any(|p| p.text.contains("69 percent")),
            "{q}: {:?}",
            answer.passages().iter().map(|p| &p.id).collect::<Vec<_>>()
        );
    }
}

#[test]
fn outlook_words_find_the_outlook_passage() {
    for q in [
        "job outlook for back-end developers",
        "what are the prospects for backend devs",
        "is there demand for back-end developers",
        "job growth for web developers",
    ] {
        let answer = seed().ask(q);
        assert!(
            answer
                .passages()
                .iter()
                .take(3)
                .any(|p| p.text.contains("13 percent")),
            "{q}"
        );
    }
}

#[test]
fn question_words_are_not_content() {
    let a = seed().ask("salary");
    let b = seed().ask("what is the salary, how, why, which, where?");
    assert_eq!(a.passages()[0].id, b.passages()[0].id);
    assert_eq!(b.terms(), vec!["salary"]);
}

#[test]
fn unrelated_questions_are_declined_with_suggestions() {
    for q in [
        "how do I bake sourdough bread",
        "who won the world cup",
        "what's the weather in paris tomorrow",
        "best recipe for lasagna",
    ] {
        let answer = seed().ask(q);
        assert!(
            !answer.is_answered(),
            "{q} got {:?}",
            answer.passages().first().map(|p| &p.id)
        );
        assert_eq!(answer.status(), Status::OutOfScope);
        let message = answer.message().unwrap_or("");
        assert!(
            message.starts_with("I don't know that one")
                || message.starts_with("I have nothing about"),
            "{message}"
        );
        assert!(!answer.suggestions().is_empty());
        assert!(
            answer.passages().is_empty()
                && answer.tools().is_empty()
                && answer.courses().is_empty()
        );
    }
}

#[test]
fn tool_questions_get_the_matching_tool_lists() {
    let answer = seed().ask("which programming languages should a back-end developer learn?");
    let ids: Vec<&str> = answer.tools().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, vec!["languages"]);
    assert_eq!(
        answer.tools()[0].items,
        vec!["Python", "PHP", "JavaScript", "Ruby", "Java", "C#"]
    );

    let answer = seed().ask("what web servers do back-end developers use");
    assert_eq!(
        answer
            .tools()
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        vec!["servers"]
    );
    assert!(answer.tools()[0].items.contains(&"NGINX".to_string()));

    let answer = seed().ask("what tools do back-end developers use");
    assert_eq!(
        answer.tools().len(),
        4,
        "tools in general list every category"
    );

    assert!(seed()
        .ask("what is the salary of a back-end developer")
        .tools()
        .is_empty());
}

#[test]
fn learning_questions_get_course_pointers() {
    let answer = seed().ask("where can I take a course?");
    assert!(answer.is_answered());
    assert_eq!(answer.courses().len(), 6, "{:?}", answer.courses());
    let answer = seed().ask("I want to learn python, any course?");
    assert_eq!(answer.courses()[0].title, "Python for Everybody");
    assert_eq!(answer.courses()[0].provider, "University of Michigan");
    assert!(answer.courses()[0].url.starts_with("https://"));
    assert!(seed()
        .ask("what is the salary of a back-end developer")
        .courses()
        .is_empty());
}

#[test]
fn passages_are_deduplicated_and_at_most_three_by_default() {
    for q in [
        "back-end developer",
        "what does a back-end developer do day to day",
        "skills",
    ] {
        let answer = seed().ask(q);
        assert!(answer.passages().len() <= 3);
        let mut ids: Vec<&String> = answer.passages().iter().map(|p| &p.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), answer.passages().len());
    }
    assert!(seed().ask_with("back-end developer", 8).passages().len() > 3);
}

#[test]
fn matched_terms_are_highlighted_in_the_text() {
    let answer = seed().ask("back-end developer salary");
    let p = &answer.passages()[0];
    let bold = p.highlighted("**", "**");
    assert!(
        bold.contains("**back-end web developer**") || bold.contains("**back-end**"),
        "{bold}"
    );
    assert!(!p.highlights.is_empty());
    for (start, end) in &p.highlights {
        assert!(p.text.is_char_boundary(*start) && p.text.is_char_boundary(*end));
    }
}

#[test]
fn every_passage_carries_article_section_and_source() {
    let answer = seed().ask("back-end developer salary");
    let p = &answer.passages()[0];
    assert_eq!(p.article, "Back-end developer");
    assert!(p.section.contains("salary"), "{}", p.section);
    assert_eq!(
        p.source.as_deref(),
        Some("https://www.coursera.org/articles/back-end-developer")
    );
}

#[test]
fn highlights_from_load_time_marks_equal_analyzing_the_text() {
    use careerbot::answer::{highlight, Catalog, Profiles};
    use std::collections::HashSet;
    let engine = support::seed();
    let catalog = Catalog::new(&engine.knowledge.tools, &engine.knowledge.courses);
    let profiles = Profiles::new(&engine.passages, &catalog);
    let stem_sets: Vec<HashSet<String>> = [
        "salary developer",
        "back end developers databases",
        "programming languages python java",
        "degree bootcamp course",
        "C# C++ .NET",
    ]
    .iter()
    .map(|q| careerbot::text::analysis::stems(q).into_iter().collect())
    .collect();
    let mut compared = 0;
    for (ord, p) in engine.passages.iter().enumerate() {
        for stems in &stem_sets {
            let fast = profiles.highlights(ord, &p.text, stems);
            assert_eq!(fast, highlight(&p.text, stems), "{}", p.id);
            compared += usize::from(!fast.is_empty());
        }
    }
    assert!(
        compared > 10,
        "the comparison saw real highlights: {compared}"
    );
}

/// The value of the embed field called `name`.
fn field_value<'a>(embed: &'a serde_json::Value, name: &str) -> &'a str {
    embed["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == name))
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("a {name} field: {embed:#}"))
}

#[test]
fn a_source_link_too_long_for_discord_is_never_cut_into_a_broken_link() {
    use careerbot::discord::render::answer_embed;
    let article = |url: &str| {
        format!(
            "+++\ntitle = \"Data engineer\"\nsource = \"{url}\"\n+++\n\n## Salary\n\nData engineers earn a median salary of $120,000 in this example.\n"
        )
    };
    let cases = [
        // Fits the field and the embed url: shown and linked whole.
        format!("https://example.org/{}", "a".repeat(900)),
        // Too long for the field, fits the embed url: the title links it.
        format!("https://example.org/{}", "b".repeat(1500)),
        // The 3,020 characters: too long even for the embed url.
        format!("https://example.org/{}", "c".repeat(3000)),
    ];
    for url in &cases {
        let dir = support::knowledge(&[("data.md", article(url).as_bytes())]);
        let engine = support::load(dir.path());
        let answer = engine.ask("how much does a data engineer earn?");
        assert!(answer.is_answered());
        let embed = serde_json::to_value(answer_embed(&answer, 0)).unwrap();
        let value = field_value(&embed, "Source");
        assert!(value.chars().count() <= 1024);
        assert!(!value.contains('…'), "never cut: {value}");
        if url.len() <= 1024 {
            assert_eq!(value, url);
        } else {
            assert!(value.starts_with("example.org"), "{value}");
        }
        match embed["url"].as_str() {
            Some(linked) => {
                assert_eq!(linked, url, "linked whole or not at all");
                assert!(linked.len() <= 2048);
            }
            None => assert!(url.len() > 2048, "{url}"),
        }
    }
}

#[test]
fn course_links_are_dropped_whole_never_cut_to_fit_the_field() {
    use careerbot::discord::render::answer_embed;
    let mut courses = String::new();
    for i in 0..8 {
        courses.push_str(&format!(
            "[[course]]\ntitle = \"Data engineering part {i}\"\nprovider = \"Example University\"\nurl = \"https://example.org/courses/{i}/{}\"\ntopics = [\"data engineering\"]\n\n",
            "x".repeat(250)
        ));
    }
    let dir = support::knowledge(&[
        ("data.md", support::GOOD_ARTICLE.as_bytes()),
        ("courses.toml", courses.as_bytes()),
    ]);
    let engine = support::load(dir.path());
    let answer = engine.ask("where can I take a data engineering course?");
    assert!(answer.courses().len() > 3, "{:?}", answer.courses());
    let embed = serde_json::to_value(answer_embed(&answer, 0)).unwrap();
    let value = field_value(&embed, "Courses");
    assert!(value.chars().count() <= 1024);
    assert!(!value.contains('…'), "{value}");
    for line in value.lines() {
        assert!(line.contains("](https://example.org/courses/"), "{line}");
        assert!(
            line.contains(&format!("{})", "x".repeat(250))),
            "a whole link: {line}"
        );
    }
}

#[test]
fn a_question_whose_subject_the_knowledge_base_lacks_is_declined_and_says_so() {
    // Each of these matched part of the back-end article (a team, an
    // engineer, pay) and was answered at the threshold before.
    for (q, subject) in [
        (
            "what does a staff engineer do on a platform team",
            "staff engineer",
        ),
        ("how much does a nurse earn", "nurse"),
    ] {
        let answer = seed().ask(q);
        assert_eq!(answer.status(), Status::OutOfScope, "{q}");
        let message = answer.message().unwrap_or("");
        assert!(
            message.starts_with(&format!("I have nothing about “{subject}”")),
            "{message}"
        );
        assert!(!answer.suggestions().is_empty());
    }
    // A subject it holds is still answered, and one unknown word of three
    // does not make the subject unknown.
    for q in [
        "what does a back-end developer do",
        "how much does a backend dev earn",
        "how much does writing clean code matter on the backend",
    ] {
        assert!(seed().ask(q).is_answered(), "{q}");
    }
}

/// Two careers with the same sections, so only the subject tells their
/// answers apart.
const TWO_CAREERS: &str = "+++\ntitle = \"Front-end developer\"\n+++\n\n## What a front-end developer does\n\nFront-end developers build the pages and screens people use in a browser.\n\n## Salary\n\nFront-end developers earn a median salary of $80,000 a year.\n";
const OTHER_CAREER: &str = "+++\ntitle = \"Data analyst\"\n+++\n\n## What a data analyst does\n\nData analysts turn raw numbers into reports that guide decisions.\n\n## Salary\n\nData analysts earn a median salary of $65,000 a year.\n";

#[test]
fn a_follow_up_without_a_subject_of_its_own_carries_the_earlier_questions_subject() {
    let dir = support::knowledge(&[
        ("front-end.md", TWO_CAREERS.as_bytes()),
        ("data-analyst.md", OTHER_CAREER.as_bytes()),
    ]);
    let engine = support::load(dir.path());
    let earlier = "what does a data analyst do?";
    let question = engine
        .follow_up(earlier, "and how much do they earn?")
        .expect("a follow-up that asks something");
    let answer = engine.ask(&question);
    let first = &answer.passages()[0].text;
    assert!(first.contains("$65,000"), "{question}: {first}");
    // The same follow-up after the other career gets the other figure.
    let question = engine
        .follow_up(
            "what do front-end developers do all day",
            "and how much do they earn?",
        )
        .expect("asks something");
    assert!(
        engine.ask(&question).passages()[0].text.contains("$80,000"),
        "{question}"
    );
}

#[test]
fn a_follow_up_naming_a_subject_stands_alone_and_one_that_asks_nothing_gets_no_question() {
    let dir = support::knowledge(&[
        ("front-end.md", TWO_CAREERS.as_bytes()),
        ("data-analyst.md", OTHER_CAREER.as_bytes()),
    ]);
    let engine = support::load(dir.path());
    let earlier = "what does a data analyst do?";
    let own = "what about front-end developers?";
    assert_eq!(engine.follow_up(earlier, own).as_deref(), Some(own));
    for nothing in [
        "thanks!",
        "ok",
        "lol",
        "🙏",
        "that worked, thank you so much!",
        "great, that helps a lot",
        "can you write my homework",
    ] {
        assert_eq!(engine.follow_up(earlier, nothing), None, "{nothing}");
    }
}

#[test]
fn on_the_seed_chat_replies_are_no_follow_ups_and_real_ones_carry_the_subject() {
    let engine = support::seed();
    let earlier = "how much do back-end developers earn?";
    for chat in [
        "that worked, thank you so much!",
        "great, that helps a lot",
        "can you write my homework",
        "thanks community!",
        "lol what?",
        "??",
    ] {
        assert_eq!(engine.follow_up(earlier, chat), None, "{chat}");
    }
    for real in [
        "any courses for that?",
        "what about databases?",
        "which frameworks are popular?",
    ] {
        assert!(engine.follow_up(earlier, real).is_some(), "{real}");
    }
}
