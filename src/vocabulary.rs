//! The career vocabulary, as data: words that carry no content in a question,
//! groups of words that mean the same thing, word pairs that are one term
//! ("back end" = "backend"), and the words that ask for tools or courses.
//! Nothing here mentions a particular test question; it is the language of
//! career questions in general.

/// Function words and question words: never content.
pub const STOPWORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
    "aren", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "could", "couldn", "d", "did", "didn", "do", "does", "doesn", "doing",
    "don", "down", "during", "each", "either", "else", "ever", "few", "for", "from", "further",
    "had", "has", "hasn", "have", "haven", "having", "he", "her", "here", "hers", "herself",
    "him", "himself", "his", "how", "i", "if", "im", "in", "into", "is", "isn", "it", "its",
    "itself", "ive", "just", "ll", "m", "me", "might", "mine", "more", "most", "must", "my",
    "myself", "no", "nor", "not", "now", "o", "of", "off", "on", "once", "only", "or", "other",
    "our", "ours", "ourselves", "out", "over", "own", "re", "s", "same", "shall", "she",
    "should", "shouldn", "so", "some", "such", "t", "than", "that", "thats", "the", "their",
    "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those",
    "through", "to", "too", "u", "under", "until", "up", "upon", "us", "ve", "very", "was",
    "wasn", "we", "were", "weren", "what", "whats", "when", "where", "whether", "which",
    "while", "who", "whom", "whose", "why", "will", "with", "won", "would", "wouldn", "y",
    "yet", "you", "your", "yours", "yourself", "yourselves", "ya", "yall", "ur", "r", "pls",
    "plz", "please", "thanks", "thank", "thx", "hi", "hello", "hey", "yo", "ok", "okay", "lol",
    "guys", "folks", "anyone", "someone", "somebody", "anybody", "everyone", "something",
    "anything", "everything", "nothing", "really", "actually", "basically", "also", "maybe",
    "kinda", "sorta", "like", "gonna", "wanna", "gotta", "go", "goes", "went", "gone", "going", "get", "got", "getting",
    "much", "many", "lot", "lots", "bit", "thing", "things", "stuff", "way", "ways", "kind",
    "sort", "one", "ones", "tell", "know", "explain", "want", "need", "think", "wondering",
    "wonder", "curious", "question", "questions", "answer", "help", "mean", "means", "say",
    "said", "good", "great", "best", "better", "nice", "cool", "right", "well", "even",
    "still", "yeah", "yes", "nope", "via", "per", "etc", "eg", "ie", "vs", "versus", "let",
    "lets", "there's", "need", "needs", "needed", "use", "used", "using", "make", "makes",
    "made", "work", "works", "someday", "type", "types", "look", "looking",
    "new", "currently", "now", "today", "exactly", "specific", "specifically",
    "wat", "wut", "wht", "whta", "hw", "hows", "whos", "wheres", "whys", "cant", "dont",
    "doesnt", "isnt", "arent", "wont", "shouldnt", "wouldnt", "didnt", "idk", "tbh", "imo",
    "ppl", "pretty", "quite", "kinda", "honestly", "literally", "seriously", "anyway", "usually", "generally", "general", "overall", "main", "common", "usual",
];

/// Words in capitals that are content even though their lower-case form is a
/// stop word ("IT support", "salary in the US").
pub const CAPITAL_CONTENT: &[&str] = &["IT", "US", "USA", "UK", "AI", "QA", "GO", "R"];

/// Word pairs written apart, hyphenated or together that are one term.
pub const COMPOUNDS: &[(&str, &str)] = &[
    ("back", "end"),
    ("front", "end"),
    ("full", "stack"),
    ("server", "side"),
    ("client", "side"),
    ("data", "base"),
    ("data", "bases"),
    ("web", "site"),
    ("web", "sites"),
    ("e", "mail"),
    ("dev", "ops"),
    ("no", "sql"),
    ("java", "script"),
    ("type", "script"),
];

/// Groups of words and phrases that mean the same in a career question. The
/// first entry names the group.
pub const SYNONYMS: &[&[&str]] = &[
    &["backend", "server side", "serverside", "back end", "backend developer", "backend dev"],
    &["frontend", "client side", "clientside", "front end", "fe"],
    &["fullstack", "full stack"],
    &["developer", "dev", "devs", "programmer", "coder", "engineer", "software engineer", "swe"],
    &["salary", "salaries", "pay", "paid", "pays", "earn", "earns", "earning", "earnings", "compensation", "income", "wage", "wages", "make money", "money", "base pay", "tc", "total compensation", "how much make", "how much makes", "how much paid", "how much earn"],
    &["database", "databases", "db", "dbs", "rdbms", "data storage", "datastore"],
    &["javascript", "js", "ecmascript"],
    &["typescript", "ts"],
    &["python", "py"],
    &["node", "nodejs", "node js"],
    &["golang", "go lang", "go language"],
    &["csharp", "c sharp"],
    &["degree", "college", "major", "university", "uni", "bachelor", "bachelors", "diploma", "undergrad", "undergraduate", "school", "cs degree", "computer science degree", "formal education"],
    &["outlook", "job outlook", "prospect", "prospects", "demand", "in demand", "growth", "grow", "future", "job market", "job security", "employment", "hiring", "openings"],
    &["course", "courses", "class", "classes", "certificate", "certificates", "certification", "certifications", "specialization", "tutorial", "tutorials", "training", "bootcamp", "mooc"],
    &["learn", "learning", "study", "studying", "teach", "self taught", "get started", "start", "starting", "beginner", "beginners", "basics", "newbie", "noob"],
    &["skill", "skills", "qualities", "traits", "competence", "competencies", "abilities", "requirements", "qualifications"],
    &["tool", "tools", "technology", "technologies", "tech stack", "stack", "toolkit"],
    &["language", "languages", "programming language", "coding language"],
    &["framework", "frameworks", "library", "libraries"],
    &["server", "servers", "web server", "hosting", "host"],
    &["job", "jobs", "career", "careers", "role", "roles", "position", "positions", "occupation", "profession"],
    &["responsibility", "responsibilities", "duty", "duties", "task", "tasks", "daily", "day to day", "everyday", "routine", "day-to-day"],
    &["debug", "debugging", "troubleshoot", "troubleshooting", "bug", "bugs", "fix bugs", "bug fixing", "breaks", "broken", "crash", "crashes", "error", "errors", "issue", "issues"],
    &["test", "testing", "tests", "qa", "quality assurance"],
    &["api", "apis", "application programming interface", "endpoint", "endpoints"],
    &["security", "secure", "cybersecurity", "web security"],
    &["communication", "communicate", "communicating", "soft skill", "soft skills", "people skills", "teamwork", "collaboration", "collaborate"],
    &["problem solving", "analytical", "analytical thinking", "critical thinking"],
    &["ai", "artificial intelligence", "machine learning", "ml"],
    &["interview", "interviews", "interviewing"],
    &["self introduction", "tell me about yourself", "introduce yourself", "introducing yourself", "introduction", "elevator pitch"],
    &["offer", "offers", "job offer", "offer letter"],
    &["leetcode", "grinding", "practice problems", "coding problems"],
    &["resume", "cv", "curriculum vitae"],
    &["negotiate", "negotiation", "negotiating", "counter offer"],
    &["difference", "different", "differ", "compare", "comparison", "vs"],
    &["become", "becoming", "path", "roadmap", "switch careers", "career change", "break into"],
    &["website", "websites", "web app", "web application", "web applications", "site", "sites"],
    &["cloud", "aws", "azure", "gcp"],
    &["performance", "speed", "fast", "efficiency", "scalability", "scale"],
    &["mentor", "mentorship", "mentoring", "coach", "train juniors"],
];

/// Words that ask which tools to use; a category's own keywords come from the catalog.
pub const TOOL_WORDS: &[&str] = &[
    "tool", "tools", "technology", "technologies", "tech", "stack", "toolkit", "software",
];

/// Words that ask where or how to learn.
pub const COURSE_WORDS: &[&str] = &[
    "learn", "learning", "course", "courses", "class", "classes", "certificate", "certificates",
    "certification", "certifications", "specialization", "tutorial", "tutorials", "training",
    "bootcamp", "mooc", "study", "studying", "start", "started", "starting", "beginner",
    "beginners", "teach", "resources", "resource", "online", "become", "becoming",
];

/// Tech and career words that are on topic even when the knowledge base does
/// not use them: such a question is worth answering with the nearest passage.
pub const DOMAIN_WORDS: &[&str] = &[
    "software", "programming", "program", "coding", "code", "coder", "developer", "engineer",
    "engineering", "computer", "tech", "technology", "job", "career", "interview", "resume",
    "salary", "internship", "intern", "company", "companies", "startup", "remote", "freelance",
    "sql", "nosql", "postgres", "postgresql", "redis", "api", "rest", "graphql", "cloud",
    "devops", "docker", "kubernetes", "linux", "git", "github", "frontend", "backend",
    "fullstack", "web", "app", "apps", "mobile", "data", "algorithm", "algorithms", "react",
    "angular", "vue", "rust", "golang", "kotlin", "swift", "typescript", "html", "css",
    "microservices", "architecture", "scalability", "security", "testing", "portfolio",
    "bootcamp", "certificate", "course", "degree", "hiring", "recruiter", "offer", "promotion",
    "senior", "junior", "manager", "lead", "skills", "framework", "database", "server",
    "deployment", "ci", "cd", "agile", "scrum",
];
