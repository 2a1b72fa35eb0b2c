{ "clé": "välue €😀", /* ünïcode */ k: '日本' }
