/**
 * The generated FFM downcalls of liblora4j (jextract's shape). Internal to lora4j: only the library
 * module reads it.
 */
module dev.lora4j.bindings {
    exports dev.lora4j.bindings to dev.lora4j;
}
