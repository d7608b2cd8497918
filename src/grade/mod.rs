//! Grading exercises at class scale: a key (an exercise spec whose `expect`
//! lists the questions), the students' handouts, and their submissions graded
//! against the key's graph.

pub mod judge;
