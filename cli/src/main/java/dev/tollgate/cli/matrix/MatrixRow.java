package dev.tollgate.cli.matrix;

import dev.tollgate.core.model.WorkloadRef;

import java.util.List;

/**
 * One workload of the matrix.
 *
 * @param id          {@code namespace/serviceaccount}, with the labels in braces when two rows share it
 * @param mentionedBy why it is a row: {@code Kind namespace/name file:line}; empty for {@code --from}
 */
public record MatrixRow(String id, WorkloadRef workload, List<String> mentionedBy) {
    public MatrixRow {
        mentionedBy = List.copyOf(mentionedBy);
    }
}
