-- One row per package for the registry's front page: owner, number of live (not yanked)
-- releases, the newest of them, and downloads across all releases.

-- +migrate Up
CREATE VIEW package_summary AS
SELECT p.name                                         AS package,
       m.handle                                       AS owner,
       count(r.id) FILTER (WHERE r.yanked = 0)        AS live_releases,
       max(r.published_at) FILTER (WHERE r.yanked = 0) AS last_published_at,
       coalesce(sum(r.download_count), 0)             AS downloads
FROM packages AS p
JOIN package_maintainers AS pm ON pm.package_id = p.id AND pm.role = 'owner'
JOIN maintainers AS m ON m.id = pm.maintainer_id
LEFT JOIN releases AS r ON r.package_id = p.id
GROUP BY p.id;

-- +migrate Verify
SELECT (SELECT count(*) FROM package_summary) = (SELECT count(*) FROM packages);

-- +migrate Down
DROP VIEW package_summary;
