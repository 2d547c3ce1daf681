SELECT x'00ff', 'café; ok', '—';
