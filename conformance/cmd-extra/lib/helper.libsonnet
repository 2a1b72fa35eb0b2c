{ found_next_to_extra: true }
