CREATE VIEW post_counts AS
  SELECT author_id, count(*) AS n FROM posts GROUP BY author_id;

CREATE TRIGGER posts_publish AFTER UPDATE OF status ON posts
  WHEN new.status = 'published' AND new.published_at IS NULL
BEGIN
  UPDATE posts SET published_at = datetime('now') WHERE id = new.id;
END;
