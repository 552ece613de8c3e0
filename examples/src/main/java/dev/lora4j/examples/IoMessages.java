package dev.lora4j.examples;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * What an I/O exception means, in words: Java's file-system exceptions carry only the path as their
 * message ("error: /x/y"), or the OS text without the path ("Is a directory"), or the decoder's
 * "Input length = 3" for invalid UTF-8.
 */
final class IoMessages {
    private IoMessages() {}

    /** The reason alone, e.g. "no such file or directory" or "is a directory". */
    static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException x -> "no such file or directory";
            case AccessDeniedException x -> "permission denied";
            case FileAlreadyExistsException x -> "it already exists";
            case DirectoryNotEmptyException x -> "the directory is not empty";
            case NotDirectoryException x -> "not a directory";
            case CharacterCodingException x -> "not valid UTF-8 text";
            case FileSystemException x when x.getReason() != null -> x.getReason().toLowerCase(java.util.Locale.ROOT);
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }

    /** The file(s) involved and the reason, e.g. "/x/y: no such file or directory". */
    static String describe(IOException e) {
        if (e instanceof FileSystemException fs && fs.getFile() != null) {
            String files = fs.getOtherFile() != null ? fs.getFile() + " -> " + fs.getOtherFile() : fs.getFile();
            return files + ": " + reason(e);
        }
        return reason(e);
    }
}
