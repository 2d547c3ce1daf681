-- a comment; with a semicolon
/* block; comment */ SELECT 1; /* trailing */
-- last
