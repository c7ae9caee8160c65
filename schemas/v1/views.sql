CREATE VIEW post_counts AS
  SELECT author_id, count(*) AS n FROM posts GROUP BY author_id;
