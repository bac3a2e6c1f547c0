SELECT 'it''s; ok', E'\';' /* c; /* n */ */ -- x;
;