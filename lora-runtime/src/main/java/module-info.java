/**
 * lora4j: fine-tuning T5-family encoder-decoders with LoRA and the other parameter-efficient methods,
 * over libtorch through the FFM API.
 *
 * <p>The API packages are exported; the FFM glue ({@code dev.lora4j.internal}: downcall helpers, the
 * tensor-handle bridge, the shutdown gate) is not, so raw native handles never reach user code. Methods
 * are found through {@link dev.lora4j.peft.PeftMethod} services; a method in another module is added
 * with {@code provides dev.lora4j.peft.PeftMethod with ...}.
 */
module dev.lora4j {
    requires dev.lora4j.bindings;
    requires transitive com.fasterxml.jackson.databind;
    requires java.net.http;
    requires java.logging;

    exports dev.lora4j;
    exports dev.lora4j.data;
    exports dev.lora4j.distributed;
    exports dev.lora4j.eval;
    exports dev.lora4j.hub;
    exports dev.lora4j.io;
    exports dev.lora4j.nn;
    exports dev.lora4j.peft;
    exports dev.lora4j.peft.lora;
    exports dev.lora4j.peft.bitfit;
    exports dev.lora4j.peft.bottleneck;
    exports dev.lora4j.peft.ia3;
    exports dev.lora4j.peft.lntuning;
    exports dev.lora4j.peft.prefix;
    exports dev.lora4j.peft.prompt;
    exports dev.lora4j.peft.ptuning;
    exports dev.lora4j.quant;
    exports dev.lora4j.summarize;
    exports dev.lora4j.t5;
    exports dev.lora4j.tensor;
    exports dev.lora4j.tokenizer;
    exports dev.lora4j.train;

    uses dev.lora4j.peft.PeftMethod;

    provides dev.lora4j.peft.PeftMethod with dev.lora4j.peft.lora.LoraMethod,
            dev.lora4j.peft.prompt.PromptTuningMethod,
            dev.lora4j.peft.prefix.PrefixTuningMethod, dev.lora4j.peft.ptuning.PTuningMethod, dev.lora4j.peft.ia3.Ia3Method,
            dev.lora4j.peft.lntuning.LnTuningMethod, dev.lora4j.peft.bitfit.BitFitMethod,
            dev.lora4j.peft.bottleneck.BottleneckMethod, dev.lora4j.peft.bottleneck.AdaMixMethod,
            dev.lora4j.peft.prefix.PaperPrefixMethod;
}
