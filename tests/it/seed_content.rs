//! The shipped knowledge base holds the whole back-end developer article:
//! its text, tool lists, figures with their sources, and the six courses.
//! Passages respect the size limit and keep stable ids.

use crate::support;

use careerbot::chunk::{chunk_all, MAX_PASSAGE_CHARS};
use careerbot::knowledge;
use support::{corpus_dir, root, seed, seed_dir};

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_line_of_the_seed_article_is_in_some_passage() {
    let seed_text = std::fs::read_to_string(root().join("tests/fixtures/backend-developer.txt"))
        .expect("seed copy");
    let passages: String = seed()
        .passages
        .iter()
        .map(|p| normalize(&p.text))
        .collect::<Vec<_>>()
        .join("\n");
    let mut missing = Vec::new();
    for line in seed_text.lines().map(normalize).filter(|l| !l.is_empty()) {
        // A list line ("Python") or a labelled item ("Write high-quality code: To produce...")
        // may be split into label and text by the Markdown; check both halves.
        let found = passages.contains(&line)
            || line
                .split_once(": ")
                .is_some_and(|(label, rest)| passages.contains(label) && passages.contains(rest));
        if !found {
            missing.push(line);
        }
    }
    assert!(
        missing.is_empty(),
        "lines of the seed missing from the passages: {missing:#?}"
    );
}

#[test]
fn the_four_tool_lists_are_in_the_catalog() {
    let tools = &seed().knowledge.tools;
    let list = |id: &str| -> Vec<String> {
        tools
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.tools.iter().map(|t| t.name.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        list("languages"),
        ["Python", "PHP", "JavaScript", "Ruby", "Java", "C#"]
    );
    assert_eq!(
        list("frameworks"),
        [
            "Laravel",
            "Django",
            "Spring",
            "Ruby on Rails",
            "Meteor",
            "Node.js"
        ]
    );
    assert_eq!(list("databases"), ["MongoDB", "MySQL", "Oracle"]);
    assert_eq!(
        list("servers"),
        ["Apache", "NGINX", "Lighttpd", "Microsoft IIS"]
    );
}

#[test]
fn salary_and_outlook_figures_come_with_their_sources() {
    let all: String = seed()
        .passages
        .iter()
        .map(|p| p.text.clone())
        .collect::<Vec<_>>()
        .join("\n");
    for figure in [
        "$100,376",
        "March 2022",
        "Glassdoor",
        "$96,334",
        "Indeed",
        "13 percent",
        "2020 and 2030",
        "Bureau of Labor Statistics",
        "69 percent",
    ] {
        assert!(all.contains(figure), "{figure}");
    }
    assert!(all.contains(
        "https://www.bls.gov/ooh/computer-and-information-technology/web-developers.htm"
    ));
}

#[test]
fn the_six_course_pointers_are_in_the_catalog() {
    let courses = &seed().knowledge.courses;
    assert_eq!(courses.len(), 6);
    let has = |title: &str, provider: &str| {
        courses
            .iter()
            .any(|c| c.title.contains(title) && c.provider.contains(provider))
    };
    assert!(has("Introduction to Web Development", "Irvine"));
    assert!(has(
        "Responsive Website Development and Design",
        "University of London"
    ));
    assert!(has("Full-Stack Cloud Developer", "IBM"));
    assert!(has(
        "Server-side Development with NodeJS, Express and MongoDB",
        "Hong Kong University of Science and Technology"
    ));
    assert!(has("Python for Everybody", "University of Michigan"));
    assert!(courses.iter().any(|c| c.provider == "Coursera"));
    assert!(courses.iter().all(|c| c.url.starts_with("https://")));
}

#[test]
fn the_article_has_a_heading_for_each_required_section() {
    let headings: Vec<String> = seed()
        .passages
        .iter()
        .map(|p| p.section_label().to_lowercase())
        .collect();
    for part in [
        "what does a back-end developer do",
        "day to day",
        "tools",
        "salary",
        "outlook",
        "how to become",
        "technical skills",
        "workplace skills",
        "degree",
        "courses",
    ] {
        assert!(
            headings.iter().any(|h| h.contains(part)),
            "no section about {part}: {headings:?}"
        );
    }
}

#[test]
fn passages_never_exceed_the_limit_on_any_corpus() {
    for dir in [
        seed_dir(),
        corpus_dir("tech-interview-handbook"),
        corpus_dir("system-design-primer"),
    ] {
        let (kb, _, _) = knowledge::load(&dir).expect("loads");
        let passages = chunk_all(&kb.articles);
        assert!(!passages.is_empty());
        for p in &passages {
            assert!(
                p.text.chars().count() <= MAX_PASSAGE_CHARS,
                "{} has {} chars",
                p.id,
                p.text.chars().count()
            );
            assert!(!p.text.trim().is_empty(), "{} is empty", p.id);
            assert!(!p.article.is_empty());
        }
        let mut ids: Vec<&String> = passages.iter().map(|p| &p.id).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "passage ids are unique in {}", dir.display());
    }
}

#[test]
fn passage_ids_are_stable_across_rebuilds_and_unrelated_edits() {
    let dir = corpus_dir("tech-interview-handbook");
    let (kb, _, _) = knowledge::load(&dir).expect("loads");
    let first = chunk_all(&kb.articles);
    let (kb, _, _) = knowledge::load(&dir).expect("loads");
    let second = chunk_all(&kb.articles);
    assert_eq!(first, second);

    // Editing one article leaves the other articles' ids alone.
    let copy = tempfile::tempdir().expect("temp dir");
    let seed = std::fs::read_to_string(seed_dir().join("backend-developer.md")).expect("seed");
    std::fs::write(copy.path().join("backend-developer.md"), &seed).expect("write");
    std::fs::write(
        copy.path().join("other.md"),
        "# Other\n\nSome other text about careers.\n",
    )
    .expect("write");
    let (kb, _, _) = knowledge::load(copy.path()).expect("loads");
    let before: Vec<String> = chunk_all(&kb.articles)
        .into_iter()
        .filter(|p| p.article_id == "backend-developer")
        .map(|p| p.id)
        .collect();
    std::fs::write(
        copy.path().join("other.md"),
        "# Other\n\nSome other text about careers, changed.\n\nAnd more.\n",
    )
    .expect("write");
    let (kb, _, _) = knowledge::load(copy.path()).expect("loads");
    let after: Vec<String> = chunk_all(&kb.articles)
        .into_iter()
        .filter(|p| p.article_id == "backend-developer")
        .map(|p| p.id)
        .collect();
    assert_eq!(before, after);
    assert!(
        before
            .iter()
            .any(|id| id == "backend-developer#back-end-developer-salary"),
        "{before:?}"
    );
}

#[test]
fn the_plain_text_seed_loads_as_an_article_and_answers() {
    let dir = support::knowledge(&[(
        "backend-developer.txt",
        std::fs::read(root().join("tests/fixtures/backend-developer.txt"))
            .expect("seed copy")
            .as_slice(),
    )]);
    let engine = support::load(dir.path());
    assert_eq!(engine.knowledge.articles.len(), 1);
    assert_eq!(engine.knowledge.articles[0].title, "Backend developer");
    let answer = engine.ask("how much does a back-end developer make");
    assert!(answer.is_answered());
    assert!(
        answer.passages()[0].text.contains("$100,376"),
        "{}",
        answer.passages()[0].text
    );
    // "Databases:" and its items stay together as a lead-in and its list.
    let all: Vec<&str> = engine.passages.iter().map(|p| p.text.as_str()).collect();
    assert!(
        all.iter()
            .any(|t| t.contains("Databases:\n- MongoDB\n- MySQL\n- Oracle")),
        "{all:#?}"
    );
}
