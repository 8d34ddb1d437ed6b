-- Face templates learned at readers (issue 22): a frame of a person let in by badge,
-- kept when the deployment allows it and the person consented to face_learning
-- (access/face_learning.py). 'enrolment' templates come from enrolment photos and are
-- replaced together by a new enrolment; 'reader' ones are capped per person and erased
-- alone when face_learning is withdrawn.
ALTER TABLE access_face_templates ADD COLUMN source TEXT NOT NULL DEFAULT 'enrolment';
