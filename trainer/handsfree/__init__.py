"""Hands-free calls: the microphone streams, the trainee just talks, the customer answers.

`turns` decides when the trainee has finished (voice activity and pauses); `listener` runs one
call's stream: it transcribes at a pause to know whether the sentence is finished, and hands the
finished turn to the call like a recording.
"""
