package dev.lora4j.examples.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The kinds of conversation the demo's synthetic data set holds. Each family draws its facts (who,
 * what, when, where, how many) from small vocabularies, says them in one of several phrasings and turn
 * orders, and summarises them in one fixed sentence, so the summary is a function of the facts in the
 * dialogue and has to be read out of it. The first two facts form the family's combination, which the
 * split keeps apart between training and held-out examples.
 */
enum ScenarioFamily {
    MEETING("meeting") {
        @Override
        Scenario draw(Random r) {
            String day = pick(r, DAYS);
            String place = pick(r, MEETING_PLACES);
            String time = pick(r, TIMES);
            String subject = pick(r, SUBJECTS);
            Lines t = new Lines();
            t.a(pick(r, "Are you free on " + day + "?", "Do you have time on " + day + "?", "Can we meet on " + day + "?"),
                    pick(r, " I'd like to talk about the " + subject + ".", " We need to discuss the " + subject + ".",
                            " Let's go over the " + subject + "."));
            if (r.nextInt(3) == 0) {
                // A first proposes another day, which B turns down.
                String other = pickOther(r, DAYS, day);
                t.turns.set(t.turns.size() - 1, new Scenario.Turn(true,
                        "Can we meet on " + other + " about the " + subject + "?"));
                t.b(pick(r, other + " is bad for me. What about " + day + "?", "I'm busy on " + other + ". Is " + day + " OK?"));
                t.a(pick(r, "Fine, " + day + " works.", "Sure, " + day + " then."));
            } else {
                t.b(pick(r, "Sure.", "Yes, I'm free.", "OK, no problem."));
            }
            boolean placeFirst = r.nextBoolean();
            if (placeFirst) {
                t.b(pick(r, "Where shall we meet?", "Where?"));
                t.a(pick(r, "At the " + place + ".", "Let's meet at the " + place + "."));
                t.b(pick(r, "What time?", "And when?"));
                t.a(pick(r, "At " + time + ".", "How about " + time + "?"));
            } else {
                t.b(pick(r, "What time?", "When shall we meet?"));
                t.a(pick(r, "At " + time + ", at the " + place + ".", "How about " + time + " at the " + place + "?"));
            }
            t.b(pick(r, "Great, see you then.", "OK, see you there.", "Perfect."));
            return new Scenario(this, day + "|" + place, t.turns,
                    "{A} and {B} will meet on " + day + " at " + time + " at the " + place + " to discuss the " + subject + ".");
        }
    },
    FOOD_ORDER("ordering food") {
        @Override
        Scenario draw(Random r) {
            int food = r.nextInt(FOODS.length);
            String drink = pick(r, DRINKS);
            int count = 1 + r.nextInt(4);
            String dish = count == 1 ? "a " + FOODS[food][0] : COUNTS[count] + " " + FOODS[food][1];
            int price = 6 + r.nextInt(30);
            Lines t = new Lines();
            t.b(pick(r, "Hello, what would you like?", "Good evening. Are you ready to order?", "Hi, what can I get you?"));
            boolean drinkFirst = r.nextInt(3) == 0;
            if (drinkFirst) {
                t.a(pick(r, "First a " + drink + ", please.", "Can I have a " + drink + " first?"));
                t.b(pick(r, "Sure. And to eat?", "OK. Anything to eat?"));
                t.a(pick(r, "I'll have " + dish + ".", dish.substring(0, 1).toUpperCase() + dish.substring(1) + ", please."));
            } else {
                t.a(pick(r, "I'll have " + dish + ".", "I'd like " + dish + ", please."));
                t.b(pick(r, "Anything to drink?", "And to drink?", "Something to drink?"));
                t.a(pick(r, "A " + drink + ", please.", "Just a " + drink + "."));
            }
            t.b(pick(r, "That's " + price + " dollars.", "OK, that comes to " + price + " dollars.", price + " dollars, please."));
            t.a(pick(r, "Here you are.", "Here's the money.", "OK, thanks."));
            return new Scenario(this, FOODS[food][0] + "|" + drink, t.turns,
                    "{A} orders " + dish + " and a " + drink + " for " + price + " dollars.");
        }
    },
    TRIP("booking a trip") {
        @Override
        Scenario draw(Random r) {
            String city = pick(r, CITIES);
            String transport = pick(r, TRANSPORT);
            String day = pick(r, DAYS);
            int nights = 2 + r.nextInt(6);
            Lines t = new Lines();
            t.b(pick(r, "Good morning, travel office.", "Hello, how can I help you?", "Hi, where would you like to go?"));
            t.a(pick(r, "I want to go to " + city + " on " + day + ".", "I need a ticket to " + city + " for " + day + "."));
            t.b(pick(r, "By plane, train or bus?", "How would you like to travel?"));
            t.a(pick(r, "By " + transport + ".", "The " + transport + ", please.", "I'll take the " + transport + "."));
            boolean asksHotel = r.nextBoolean();
            t.b(asksHotel ? pick(r, "Do you need a hotel?", "Shall I book a hotel too?") : pick(r, "Anything else?", "Is that all?"));
            t.a(asksHotel
                    ? pick(r, "Yes, for " + COUNTS[nights] + " nights.", "Yes, " + COUNTS[nights] + " nights, please.")
                    : pick(r, "A hotel for " + COUNTS[nights] + " nights, please.", "I also need a room for " + COUNTS[nights] + " nights."));
            t.b(pick(r, "Done. Have a nice trip!", "All booked.", "OK, it's booked."));
            return new Scenario(this, city + "|" + transport, t.turns,
                    "{A} books a " + transport + " ticket to " + city + " for " + day + " and a hotel for "
                            + COUNTS[nights] + " nights.");
        }
    },
    RETURN_ITEM("returning an item") {
        @Override
        Scenario draw(Random r) {
            String item = pick(r, ITEMS);
            int reason = r.nextInt(REASONS.length);
            boolean refund = r.nextBoolean();
            Lines t = new Lines();
            t.a(pick(r, "Hi, I'd like to return this " + item + ".", "Excuse me, can I return this " + item + "?",
                    "I bought this " + item + " here and want to return it."));
            t.b(pick(r, "What's wrong with it?", "Is there a problem with it?", "Why?"));
            t.a(pick(r, "It " + REASONS[reason][0] + ".", "Well, it " + REASONS[reason][0] + "."));
            t.b(pick(r, "Do you want a refund or a new one?", "Would you like your money back or an exchange?"));
            t.a(refund ? pick(r, "My money back, please.", "A refund, please.") : pick(r, "A new one, please.", "I'll take an exchange."));
            t.b(pick(r, "No problem.", "Sure, here you are.", "OK, that's done."));
            return new Scenario(this, item + "|" + REASONS[reason][1], t.turns,
                    "{A} returns a " + item + " because it " + REASONS[reason][0] + " and gets "
                            + (refund ? "a refund." : "a new one."));
        }
    },
    DOCTOR("doctor appointment") {
        @Override
        Scenario draw(Random r) {
            String doctor = pick(r, SURNAMES);
            String symptom = pick(r, SYMPTOMS);
            String day = pick(r, DAYS);
            String time = pick(r, TIMES);
            Lines t = new Lines();
            t.b(pick(r, "Doctor's office, how can I help?", "Good morning, clinic.", "Hello, health center."));
            t.a(pick(r, "I have " + symptom + " and need to see a doctor.", "I'd like an appointment. I have " + symptom + "."));
            boolean doctorFirst = r.nextBoolean();
            if (doctorFirst) {
                t.b(pick(r, "Dr. " + doctor + " is free on " + day + ".", "Dr. " + doctor + " can see you on " + day + "."));
                t.a(pick(r, "Good. What time?", "OK. When?"));
                t.b(pick(r, "At " + time + ".", "Is " + time + " OK?"));
            } else {
                t.b(pick(r, "Can you come on " + day + " at " + time + "?", "Is " + day + " at " + time + " OK?"));
                t.a(pick(r, "Yes. Which doctor?", "That's fine. Who will I see?"));
                t.b(pick(r, "Dr. " + doctor + ".", "You'll see Dr. " + doctor + "."));
            }
            t.a(pick(r, "Thank you.", "Great, thanks.", "See you then."));
            return new Scenario(this, doctor + "|" + symptom, t.turns,
                    "{A} has " + symptom + " and will see Dr. " + doctor + " on " + day + " at " + time + ".");
        }
    },
    JOB_INTERVIEW("job interview") {
        @Override
        Scenario draw(Random r) {
            String name = pick(r, NAMES);
            String job = pick(r, JOBS);
            int years = 1 + r.nextInt(9);
            String day = pick(r, DAYS);
            Lines t = new Lines();
            t.b(pick(r, "Please sit down. What's your name?", "Hello, welcome. Can you tell me your name?"));
            t.a(pick(r, "I'm " + name + ".", "My name is " + name + "."));
            t.b(pick(r, "Which job are you applying for?", "What position do you want?"));
            t.a(pick(r, "The " + job + " job.", "I'm here for the " + job + " job."));
            t.b(pick(r, "How much experience do you have?", "How long have you worked?"));
            t.a(pick(r, COUNTS[years].substring(0, 1).toUpperCase() + COUNTS[years].substring(1) + " years.",
                    "About " + COUNTS[years] + " years."));
            t.b(pick(r, "When can you start?", "If we hire you, when could you begin?"));
            t.a(pick(r, "On " + day + ".", "I can start on " + day + "."));
            return new Scenario(this, name + "|" + job, t.turns,
                    "{A}, " + name + ", applies for the " + job + " job, has " + COUNTS[years]
                            + " years of experience and can start on " + day + ".");
        }
    };

    private static final String[] DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    private static final String[] TIMES = {"9 am", "10 am", "11 am", "noon", "1 pm", "2 pm", "3 pm", "4 pm", "5 pm", "6 pm"};
    private static final String[] MEETING_PLACES = {"library", "cafe", "office", "park", "station", "lobby", "gym",
        "museum", "bank", "hotel", "bookshop", "market"};
    private static final String[] SUBJECTS = {"budget", "project", "report", "schedule", "website", "sales plan",
        "party", "exam", "contract", "new design", "trip", "survey"};
    private static final String[][] FOODS = {{"pizza", "pizzas"}, {"burger", "burgers"}, {"salad", "salads"},
        {"sandwich", "sandwiches"}, {"taco", "tacos"}, {"hot dog", "hot dogs"}, {"steak", "steaks"},
        {"pie", "pies"}, {"noodle soup", "noodle soups"}, {"curry", "curries"}};
    private static final String[] DRINKS = {"cola", "coffee", "tea", "beer", "juice", "lemonade", "milkshake", "water"};
    private static final String[] COUNTS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
    private static final String[] CITIES = {"Paris", "London", "Berlin", "Rome", "Madrid", "Tokyo", "Boston",
        "Chicago", "Sydney", "Toronto", "Vienna", "Dublin", "Seoul", "Lisbon", "Oslo", "Prague"};
    private static final String[] TRANSPORT = {"plane", "train", "bus"};
    private static final String[] ITEMS = {"jacket", "phone", "lamp", "shirt", "watch", "kettle", "camera",
        "backpack", "printer", "dress", "radio", "toaster"};
    private static final String[][] REASONS = {{"is broken", "broken"}, {"is too small", "small"},
        {"is too big", "big"}, {"does not work", "dead"}, {"has a stain", "stain"}, {"is the wrong color", "color"},
        {"is scratched", "scratch"}};
    private static final String[] SURNAMES = {"Lee", "Smith", "Brown", "Garcia", "Miller", "Chen", "Wilson",
        "Taylor", "Clark", "Lopez", "White", "Young", "King", "Green"};
    private static final String[] SYMPTOMS = {"a headache", "a fever", "a cough", "back pain", "a sore throat",
        "a toothache", "a rash", "stomach pain", "an earache"};
    private static final String[] NAMES = {"Anna", "Tom", "Maria", "David", "Sarah", "James", "Linda", "Peter",
        "Emma", "Jack", "Lucy", "Mark", "Julia", "Paul", "Helen", "Kevin", "Nina", "Sam", "Grace", "Ben"};
    private static final String[] JOBS = {"nurse", "driver", "teacher", "cook", "sales", "designer", "accountant",
        "engineer", "cashier", "writer"};

    private final String topic;

    ScenarioFamily(String topic) {
        this.topic = topic;
    }

    /** The DialogSum-style topic label. */
    String topic() {
        return topic;
    }

    /** Draws one conversation of this family. */
    abstract Scenario draw(Random r);

    @SafeVarargs
    private static <T> T pick(Random r, T... options) {
        return options[r.nextInt(options.length)];
    }

    private static String pickOther(Random r, String[] options, String not) {
        String s;
        do {
            s = pick(r, options);
        } while (s.equals(not));
        return s;
    }

    /** Collects turns; a turn of several parts is their concatenation. */
    private static final class Lines {
        final List<Scenario.Turn> turns = new ArrayList<>();

        void a(String... parts) {
            turns.add(new Scenario.Turn(true, String.join("", parts)));
        }

        void b(String... parts) {
            turns.add(new Scenario.Turn(false, String.join("", parts)));
        }
    }
}
