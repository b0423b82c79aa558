"""Trade fairs and promotion events: staff publish them, producers sign their products up."""
